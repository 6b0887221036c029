/**
 * GGUF files, llama.cpp's format: a header reader that checks every count and size against the file
 * ({@code GgufFile}), the registry of {@code general.architecture} names, and
 * {@link dev.forwardpass.models.gguf.GgufCheckpoint}, which reads a file's tensors through its family's table; and the
 * way back, {@link dev.forwardpass.models.gguf.GgufWriter}, which writes any checkpoint as llama.cpp's converter and
 * {@code llama-quantize} would.
 */
package dev.forwardpass.models.gguf;
