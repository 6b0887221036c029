/**
 * ForwardPass on Apache Spark: a language model's functions over a text column ({@link
 * dev.forwardpass.spark.TextFunctions}: perplexity, token counts, generation, next-token log-probabilities), with one
 * model per executor JVM, loaded lazily and shared by the executor's tasks ({@link dev.forwardpass.spark.ModelSpec}
 * says which model and how the executors find its file).
 *
 * <p>Spark is a {@code provided} dependency: {@code spark-submit} puts its jars on the class path, and Spark 4.2's
 * launcher gives driver and executors the JVM options it needs on JDK 17+ (the {@code --add-opens} list, and
 * {@code --add-modules jdk.incubator.vector}, which the Vector API kernels need). A JVM started otherwise (a test,
 * an IDE) needs them by hand: this module's {@code spark.module.flags} property lists them.
 */
package dev.forwardpass.spark;
