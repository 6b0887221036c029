/**
 * The Llama family ({@link dev.forwardpass.models.llama.Llama}): its config, its tensor table
 * ({@link dev.forwardpass.models.llama.LlamaTensors}) and its forward pass, which reads like llama2.c's.
 */
package dev.forwardpass.models.llama;
