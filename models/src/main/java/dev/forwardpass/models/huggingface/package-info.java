/**
 * Hugging Face model folders, as they are downloaded: {@code config.json} mapped to a model's config by
 * {@code model_type}, and safetensors weights mapped to the names and layouts the models read, each family's quirks
 * (GPT-2's Conv1D transposes, fused attention, tied classifiers) in one table in its loader. The entry point is
 * {@link dev.forwardpass.models.huggingface.HuggingFaceModel}.
 */
package dev.forwardpass.models.huggingface;
