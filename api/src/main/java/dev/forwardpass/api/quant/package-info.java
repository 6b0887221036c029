/**
 * What the bytes of each {@link dev.forwardpass.api.DType} mean, as plain loops: {@link
 * dev.forwardpass.api.quant.Dequantizer} reads them (ggml's {@code dequantize_row_*}, value for value) and
 * {@link dev.forwardpass.api.quant.Quantizer} writes them (ggml's reference quantizers, byte for byte). Backends use
 * these as the definition; fast kernels are tested against them.
 */
package dev.forwardpass.api.quant;
