/**
 * The ForwardPass ops on native PyTorch tensors through the Deep Java Library (DJL): backend {@code "djl"}.
 *
 * <p>{@link dev.forwardpass.backend.djl.DjlBackendProvider} is found by {@link java.util.ServiceLoader} and is cheap;
 * {@link dev.forwardpass.backend.djl.DjlBackend} loads PyTorch when it is created. The PyTorch natives come from the
 * {@code pytorch-native-cpu} jar on the class path and are never downloaded (see {@code PyTorchNatives}).
 */
package dev.forwardpass.backend.djl;
