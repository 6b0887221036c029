package dev.forwardpass.spark;

import org.apache.spark.sql.SparkSession;

/** A Spark of the tests: in this JVM, bound to loopback, no web UI; one per test class, since it takes seconds. */
public final class LocalSpark {
    private LocalSpark() {}

    /** {@return a new session on {@code master}}, e.g. {@code local[2,2]}: two threads, a task tried twice */
    public static SparkSession start(String master) {
        return SparkSession.builder()
                .master(master)
                .appName("forwardpass-test")
                .config("spark.ui.enabled", false)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", 4)
                .getOrCreate();
    }
}
