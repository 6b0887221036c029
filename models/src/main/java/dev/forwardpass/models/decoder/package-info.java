/**
 * Decoder-only transformers, written once for every family: the {@link dev.forwardpass.models.decoder.LanguageModel}
 * contract, a family's description ({@link dev.forwardpass.models.decoder.Architecture}: its
 * {@link dev.forwardpass.models.decoder.TensorTable} of tensors), the {@link dev.forwardpass.models.decoder.Checkpoint}
 * every file format presents, the uploaded {@link dev.forwardpass.models.decoder.Weights}, and
 * {@link dev.forwardpass.models.decoder.DecoderModel}, whose sessions run any family's forward pass.
 */
package dev.forwardpass.models.decoder;
