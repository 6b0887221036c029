/**
 * llama2.c's checkpoint format: a reader of its legacy and version-1 layouts and a writer of the legacy one, both
 * walking the Llama tensor table in the order of {@code Llama2cLayout}.
 */
package dev.forwardpass.models.llama2c;
