/**
 * Measuring what a model's weights know: next-token distributions, entropy, perplexity, and the comparison of a
 * trained model with an "empty" one (the same code and architecture with freshly initialised weights).
 */
package dev.forwardpass.models.analysis;
