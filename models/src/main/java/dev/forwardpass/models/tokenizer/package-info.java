/** Tokenizers: text to token ids and back, byte-exact with the reference implementation of each format. */
package dev.forwardpass.models.tokenizer;
