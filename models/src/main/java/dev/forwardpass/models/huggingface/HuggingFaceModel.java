package dev.forwardpass.models.huggingface;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.LanguageModel;
import dev.forwardpass.models.gpt2.Gpt2;
import dev.forwardpass.models.gpt2.RandomGpt2Checkpoint;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.RandomLlamaCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Loads a Hugging Face model folder as it was downloaded: {@code config.json} says the architecture
 * ({@code model_type}), the weights are {@code model.safetensors} or the shards of
 * {@code model.safetensors.index.json}. Supported: {@code gpt2}, and the Llama family {@code llama} (Llama 2/3,
 * TinyLlama, SmolLM), {@code mistral} and {@code qwen2}. The tokenizer is loaded separately
 * ({@link dev.forwardpass.models.tokenizer.Tokenizers#open}), so a folder holding only the config and the weights
 * is enough to compute logits.
 */
public final class HuggingFaceModel {
    private HuggingFaceModel() {}

    /**
     * {@return whether {@code path} should be read as a Hugging Face folder rather than a single-file checkpoint
     * (llama2.c's {@code .bin})}: it is a directory. Whether the folder is complete is for {@link #load} to say.
     */
    public static boolean isModelFolder(Path path) {
        return Files.isDirectory(path);
    }

    /** Loads the model of {@code folder} onto {@code backend}, with the context length its config gives. */
    public static LanguageModel load(Path folder, Backend backend) throws IOException {
        return load(folder, backend, 0);
    }

    /**
     * Loads the model of {@code folder} onto {@code backend}. The model owns the mapped files (and GPT-2's transposed
     * weights) and releases them when closed.
     *
     * @param contextLimit the longest context a session holds, or 0 for the config's own
     *     ({@code max_position_embeddings}, {@code n_positions}); a session's KV cache is allocated for the whole
     *     context, so a smaller limit saves memory for models with long contexts (Llama 3.1: 131072 positions)
     * @throws NoSuchFileException if the folder has no {@code config.json} or no safetensors weights
     * @throws dev.forwardpass.models.format.ModelFormatException if the config or the weights are malformed or
     *     unsupported, naming the field or tensor
     */
    public static LanguageModel load(Path folder, Backend backend, int contextLimit) throws IOException {
        checkArgument(contextLimit >= 0, "the context limit must be >= 0 (0: the model's own), found %s", contextLimit);
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder.toString(), null, "not a folder");
        }
        HuggingFaceConfig config = HuggingFaceConfig.read(folder);
        String type = config.modelType();
        return switch (type) {
            case "gpt2" -> Gpt2.load(HuggingFaceGpt2Checkpoint.open(folder, config, contextLimit), backend);
            case "llama", "mistral", "qwen2" ->
                    Llama.load(HuggingFaceLlamaCheckpoint.open(folder, config, contextLimit), backend);
            default -> throw config.error("model_type",
                    "unsupported architecture '" + type + "' (supported: gpt2, llama, mistral, qwen2)");
        };
    }

    /**
     * Loads an "empty" model: the architecture and config of the model in {@code folder} with freshly initialised
     * weights (see {@link dev.forwardpass.models.format.RandomTensors}), seeded by {@code seed}. The folder's
     * weights are only mapped to learn the config and whether the classifier is tied.
     */
    public static LanguageModel loadEmpty(Path folder, Backend backend, long seed) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder.toString(), null, "not a folder");
        }
        HuggingFaceConfig config = HuggingFaceConfig.read(folder);
        String type = config.modelType();
        switch (type) {
            case "gpt2" -> {
                try (HuggingFaceGpt2Checkpoint trained = HuggingFaceGpt2Checkpoint.open(folder, config, 0)) {
                    return Gpt2.load(new RandomGpt2Checkpoint(trained.config(), trained.sharedClassifier(), seed),
                            backend);
                }
            }
            case "llama", "mistral", "qwen2" -> {
                try (HuggingFaceLlamaCheckpoint trained = HuggingFaceLlamaCheckpoint.open(folder, config, 0)) {
                    return Llama.load(new RandomLlamaCheckpoint(trained.config(), trained.sharedClassifier(), seed),
                            backend);
                }
            }
            default -> throw config.error("model_type",
                    "unsupported architecture '" + type + "' (supported: gpt2, llama, mistral, qwen2)");
        }
    }
}
