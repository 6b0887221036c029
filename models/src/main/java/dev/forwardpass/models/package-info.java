/**
 * Language models written once against the op API ({@link dev.forwardpass.models.LanguageModel}), loading
 * ({@link dev.forwardpass.models.ModelLoader}) and generation ({@link dev.forwardpass.models.Generator}).
 * This module never depends on a backend: a model runs on whichever {@link dev.forwardpass.api.Backend} it is given.
 */
package dev.forwardpass.models;
