/**
 * The {@code forwardpass} command-line tool (picocli): the only place that prints, and the place that maps
 * exceptions to exit codes and one-line messages.
 */
package dev.forwardpass.cli;
