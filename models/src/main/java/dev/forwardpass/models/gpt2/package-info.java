/**
 * GPT-2: learned position embeddings, pre-LayerNorm blocks, multi-head attention and a GELU feed-forward, all with
 * biases, and a classifier tied to the token embedding. Written once against the op API, like the Llama family, but
 * its own small model rather than flags on {@link dev.forwardpass.models.llama.LlamaConfig}.
 */
package dev.forwardpass.models.gpt2;
