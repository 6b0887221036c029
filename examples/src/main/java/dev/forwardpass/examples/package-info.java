/**
 * The README's library example as a program the build compiles and runs: {@link dev.forwardpass.examples.Story}
 * streams a story from the text API.
 */
package dev.forwardpass.examples;
