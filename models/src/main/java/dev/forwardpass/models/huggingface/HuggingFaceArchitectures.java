package dev.forwardpass.models.huggingface;

import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.gpt2.Gpt2;
import dev.forwardpass.models.llama.Llama;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one registry of the architectures a Hugging Face folder may hold: {@code model_type} to the family's description,
 * how its {@code config.json} is read, and whether its classifier is tied unless the config says otherwise.
 */
final class HuggingFaceArchitectures {
    private HuggingFaceArchitectures() {}

    /** Reads a family's config from {@code config.json}, with a session context of at most {@code contextLimit}. */
    @FunctionalInterface
    interface ConfigReader<C> {
        C read(HuggingFaceConfig json, int contextLimit) throws ModelFormatException;
    }

    /**
     * What a {@code model_type} is.
     *
     * @param architecture the family
     * @param configReader how its config.json is read
     * @param tiedByDefault whether the classifier is the token embedding when {@code tie_word_embeddings} is not given
     */
    record Entry<C extends Record & DecoderConfig>(Architecture<C> architecture, ConfigReader<C> configReader,
            boolean tiedByDefault) {}

    private static final Map<String, Entry<?>> BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "gpt2", new Entry<>(Gpt2.ARCHITECTURE, HuggingFaceGpt2Config::read, true),
            "llama", new Entry<>(Llama.ARCHITECTURE, HuggingFaceLlamaConfig::read, false),
            "mistral", new Entry<>(Llama.ARCHITECTURE, HuggingFaceLlamaConfig::read, false),
            "qwen2", new Entry<>(Llama.ARCHITECTURE, HuggingFaceLlamaConfig::read, false)));

    /**
     * {@return the entry of the config's {@code model_type}}
     *
     * @throws ModelFormatException naming the supported types if it is none of them
     */
    static Entry<?> of(HuggingFaceConfig json) throws ModelFormatException {
        String type = json.modelType();
        Entry<?> entry = BY_MODEL_TYPE.get(type);
        if (entry == null) {
            throw json.error("model_type", "unsupported architecture '" + type + "' (supported: "
                    + String.join(", ", BY_MODEL_TYPE.keySet()) + ")");
        }
        return entry;
    }
}
