/** How fast the Spark functions score, against the single-process {@code perplexity} command. */
package dev.forwardpass.spark.benchmark;
