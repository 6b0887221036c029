/** Choosing the next token from logits: greedy, temperature and top-p sampling bit-compatible with llama2.c. */
package dev.forwardpass.models.sampling;
