/**
 * What a backend uses and a model never sees: {@link dev.forwardpass.api.spi.OpChecks}, the argument checks of every
 * op, shared by all backends so that each op refuses bad arguments in one wording. (How a backend is found by name,
 * {@link dev.forwardpass.api.BackendProvider}, sits beside {@link dev.forwardpass.api.Backends} in the api package,
 * so that this package depends on the api and never the other way.)
 */
package dev.forwardpass.api.spi;
