/**
 * Loading models and their tokenizers from files or the embedded default ({@link dev.forwardpass.models.ModelLoader}).
 * It uses the families, formats and tokenizers below it, and nothing below uses it; the text API
 * ({@link dev.forwardpass.models.text}) is built on it. The module never depends on a backend: a model runs on whichever {@link dev.forwardpass.api.Backend} it is given.
 */
package dev.forwardpass.models;
