/**
 * ForwardPass on Apache Spark: a language model's functions over a text column ({@link
 * dev.forwardpass.spark.TextFunctions}: perplexity, token counts, generation, next-token log-probabilities), with one
 * model per task an executor JVM runs at once, loaded lazily and lent to one task at a time, their mapped weights
 * shared in the page cache ({@link dev.forwardpass.spark.ModelSpec} says which model and how the executors find its
 * file).
 *
 * <p>Spark is a {@code provided} dependency: {@code spark-submit} puts its jars on the class path, and Spark 4.2's
 * launcher gives driver and executors the JVM options Spark needs on JDK 17+ ({@code --add-opens ...}) and the
 * Vector API's {@code --add-modules jdk.incubator.vector}. A JVM that starts Spark itself (a test, an IDE, a
 * benchmark) needs them by hand: they are listed in this module's {@code jvm.options}, a {@code java @argfile}.
 */
package dev.forwardpass.spark;
