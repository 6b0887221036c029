/**
 * Hugging Face model folders, as they are downloaded: {@code config.json} mapped to a family and its config by
 * {@code model_type} ({@link dev.forwardpass.models.huggingface.HuggingFaceArchitectures}), and safetensors weights
 * read through the family's tensor table, whose Hugging Face column gives each tensor's name and layout (GPT-2's
 * Conv1D transposes and fused attention, tied classifiers). The entry point is
 * {@link dev.forwardpass.models.huggingface.HuggingFaceModel}.
 */
package dev.forwardpass.models.huggingface;
