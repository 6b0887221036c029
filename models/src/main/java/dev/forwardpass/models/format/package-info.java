/**
 * Model file readers. A reader validates a header against the file's length, memory-maps the file and yields
 * named tensors and a config; a malformed file raises {@link dev.forwardpass.models.format.ModelFormatException}.
 */
package dev.forwardpass.models.format;
