package dev.forwardpass.models.huggingface;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.decoder.DecoderModel;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens a Hugging Face model folder as it was downloaded: {@code config.json} says the architecture
 * ({@code model_type}, see {@link HuggingFaceArchitectures}), the weights are {@code model.safetensors} or the shards
 * of {@code model.safetensors.index.json}. Supported: {@code gpt2}, and the Llama family {@code llama} (Llama 2/3,
 * TinyLlama, SmolLM), {@code mistral} and {@code qwen2}. The tokenizer is loaded separately
 * ({@link dev.forwardpass.models.tokenizer.Tokenizers#open}), so a folder holding only the config and the weights
 * is enough to compute logits.
 */
public final class HuggingFaceModel {
    private HuggingFaceModel() {}

    /**
     * {@return whether {@code path} should be read as a Hugging Face folder rather than a single-file checkpoint
     * (llama2.c's {@code .bin})}: it is a directory. Whether the folder is complete is for {@link #open} to say.
     */
    public static boolean isModelFolder(Path path) {
        return Files.isDirectory(path);
    }

    /** Loads the model of {@code folder} onto {@code backend}, with the context length its config gives. */
    public static LanguageModel load(Path folder, Backend backend) throws IOException {
        return load(folder, backend, 0);
    }

    /** Loads the model of {@code folder} onto {@code backend}; see {@link #open} for {@code contextLimit}. */
    public static LanguageModel load(Path folder, Backend backend, int contextLimit) throws IOException {
        return DecoderModel.load(open(folder, contextLimit), backend);
    }

    /**
     * Maps the weights of {@code folder} and checks them against its config. The checkpoint owns the mapped files
     * (and any converted weights) and releases them when closed.
     *
     * @param contextLimit the longest context a session holds, or 0 for the config's own
     *     ({@code max_position_embeddings}, {@code n_positions}); a session's KV cache is allocated for the whole
     *     context, so a smaller limit saves memory for models with long contexts (Llama 3.1: 131072 positions)
     * @throws NoSuchFileException if the folder has no {@code config.json} or no safetensors weights
     * @throws dev.forwardpass.models.format.ModelFormatException if the config or the weights are malformed or
     *     unsupported, naming the field or tensor
     */
    public static Checkpoint<?> open(Path folder, int contextLimit) throws IOException {
        checkArgument(contextLimit >= 0, "the context limit must be >= 0 (0: the model's own), found %s", contextLimit);
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder.toString(), null, "not a folder");
        }
        HuggingFaceConfig json = HuggingFaceConfig.read(folder);
        return open(folder, json, HuggingFaceArchitectures.of(json), contextLimit);
    }

    private static <C extends Record & DecoderConfig> Checkpoint<C> open(Path folder, HuggingFaceConfig json,
            HuggingFaceArchitectures.Entry<C> entry, int contextLimit) throws IOException {
        C config = entry.configReader().read(json, contextLimit);
        boolean tied = json.booleanOr("tie_word_embeddings", entry.tiedByDefault());
        return HuggingFaceCheckpoint.open(folder, entry.architecture(), config, tied);
    }
}
