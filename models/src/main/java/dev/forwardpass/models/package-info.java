/**
 * The entry points: loading models and their tokenizers from files or the embedded default
 * ({@link dev.forwardpass.models.ModelLoader}) and generation ({@link dev.forwardpass.models.Generator}). This package
 * is the top of the module: it uses the families, formats, tokenizers and samplers below it, and nothing below uses
 * it. The module never depends on a backend: a model runs on whichever {@link dev.forwardpass.api.Backend} it is given.
 */
package dev.forwardpass.models;
