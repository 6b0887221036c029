/**
 * The file-level pieces every format reader is made of, and the safetensors format: mapped files, a reader that names
 * every field it reads, {@link dev.forwardpass.models.format.TensorData} views, and
 * {@link dev.forwardpass.models.format.ModelFormatException} for malformed files. The base of the module: it uses no
 * other package of it.
 */
package dev.forwardpass.models.format;
