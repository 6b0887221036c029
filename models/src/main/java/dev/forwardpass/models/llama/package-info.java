/**
 * The Llama family (Llama 2/3, TinyLlama, Mistral, Qwen2, llama2.c's TinyStories models): one forward pass whose
 * variants (grouped-query attention, rope layout and theta, tied classifier) are options of {@link
 * dev.forwardpass.models.llama.LlamaConfig}, written once against the op API.
 */
package dev.forwardpass.models.llama;
