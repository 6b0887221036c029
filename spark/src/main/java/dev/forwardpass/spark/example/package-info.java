/** Example Spark jobs on ForwardPass, runnable with {@code spark-submit} on a cluster or in {@code local[*]}. */
package dev.forwardpass.spark.example;
