package dev.forwardpass.models;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderModel;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.decoder.RandomCheckpoint;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.gguf.GgufCheckpoint;
import dev.forwardpass.models.gguf.GgufTokenizer;
import dev.forwardpass.models.huggingface.HuggingFaceModel;
import dev.forwardpass.models.llama2c.Llama2cCheckpoint;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Loads models and their tokenizers from files, or the embedded default: stories260K, a 260K-parameter Llama
 * trained on TinyStories (llama2.c, MIT license), shipped in this jar so that nothing needs a download.
 */
public final class ModelLoader {
    /** The embedded default model's name, as {@code info} and error messages show it. */
    public static final String EMBEDDED_MODEL = "stories260K.bin (embedded)";
    static final String EMBEDDED_MODEL_RESOURCE = "/dev/forwardpass/models/stories260K/stories260K.bin";
    static final String EMBEDDED_TOKENIZER_RESOURCE = "/dev/forwardpass/models/stories260K/tok512.bin";
    static final String EMBEDDED_TOKENIZER = "tok512.bin (embedded)";
    /** run.c's default tokenizer file name, looked for beside a model file. */
    static final String DEFAULT_TOKENIZER_FILE = "tokenizer.bin";

    /**
     * The longest context a session allocates by default for a Hugging Face model: the KV cache is allocated for the
     * whole context up front, and Llama 3.1's 131072 positions would need tens of gigabytes.
     */
    public static final int DEFAULT_CONTEXT_LIMIT = 8192;

    private ModelLoader() {}

    /**
     * Loads the model at {@code model}: a Hugging Face folder ({@link HuggingFaceModel}) or a llama2.c checkpoint
     * file; the embedded default when it is null.
     */
    public static LanguageModel loadModel(Path model, Backend backend) throws IOException {
        return loadModel(model, backend, DEFAULT_CONTEXT_LIMIT);
    }

    /**
     * Loads the model as {@link #loadModel(Path, Backend)} does, with a session context of at most
     * {@code contextLimit} positions for a Hugging Face folder (0: the config's own, however long).
     */
    public static LanguageModel loadModel(Path model, Backend backend, int contextLimit) throws IOException {
        return DecoderModel.load(openCheckpoint(model, contextLimit), backend);
    }

    /**
     * Loads an "empty" model: the architecture and config of the model at {@code model} (or the embedded default),
     * context limit included, with freshly initialised weights ({@link RandomCheckpoint}), seeded by {@code seed}.
     */
    public static LanguageModel loadEmpty(Path model, Backend backend, long seed) throws IOException {
        return loadEmpty(model, backend, seed, DEFAULT_CONTEXT_LIMIT);
    }

    /**
     * Loads an "empty" model as {@link #loadEmpty(Path, Backend, long)} does, with the context of
     * {@link #loadModel(Path, Backend, int)}'s model for the same {@code contextLimit}.
     */
    public static LanguageModel loadEmpty(Path model, Backend backend, long seed, int contextLimit) throws IOException {
        try (Checkpoint<?> trained = openCheckpoint(model, contextLimit)) {
            return DecoderModel.load(RandomCheckpoint.like(trained, seed), backend);
        }
    }

    /**
     * {@return the checkpoint at {@code model}: a Hugging Face folder, a GGUF file, a llama2.c file, or the embedded
     * default}, with a session context of at most {@code contextLimit} positions (0: the model's own); the caller
     * closes it
     */
    public static Checkpoint<?> openCheckpoint(Path model, int contextLimit) throws IOException {
        if (model != null && HuggingFaceModel.isModelFolder(model)) {
            return HuggingFaceModel.open(model, contextLimit);
        }
        MappedFile file = model == null
                ? MappedFile.ofBytes(readResource(EMBEDDED_MODEL_RESOURCE), EMBEDDED_MODEL)
                : MappedFile.open(model);
        return isGguf(model, file)
                ? GgufCheckpoint.read(file, contextLimit)
                : Llama2cCheckpoint.read(file);
    }

    /**
     * Loads the tokenizer at {@code tokenizer} (any kind {@link Tokenizers#open} reads, or the metadata of a GGUF
     * file); when it is null, the
     * embedded model's own tokenizer for the embedded model, the folder's tokenizer for a Hugging Face folder, the one
     * in a GGUF file's metadata ({@link GgufTokenizer}), else run.c's default {@code tokenizer.bin} beside the model
     * file.
     */
    public static Tokenizer loadTokenizer(Path tokenizer, Path model, LanguageModel loaded) throws IOException {
        return loadTokenizer(tokenizer, model, loaded.vocabSize());
    }

    /** Loads the tokenizer as {@link #loadTokenizer(Path, Path, LanguageModel)} does, for {@code vocabSize} tokens. */
    public static Tokenizer loadTokenizer(Path tokenizer, Path model, int vocabSize) throws IOException {
        if (tokenizer != null) {
            Tokenizer gguf = Files.isRegularFile(tokenizer) ? ggufTokenizerOrNull(tokenizer, vocabSize) : null;
            return gguf != null ? gguf : Tokenizers.open(tokenizer, vocabSize);
        }
        if (model != null && HuggingFaceModel.isModelFolder(model)) {
            return Tokenizers.open(model, vocabSize);
        }
        if (model == null) {
            try (MappedFile file = MappedFile.ofBytes(readResource(EMBEDDED_TOKENIZER_RESOURCE), EMBEDDED_TOKENIZER)) {
                return Llama2cTokenizer.read(file.reader(), vocabSize);
            }
        }
        Tokenizer gguf = ggufTokenizerOrNull(model, vocabSize);
        if (gguf != null) {
            return gguf;
        }
        Path beside = model.toAbsolutePath().resolveSibling(DEFAULT_TOKENIZER_FILE);
        if (!Files.exists(beside)) {
            throw new NoSuchFileException(beside.toString(), null,
                    "no tokenizer given and none beside the model: pass --tokenizer PATH");
        }
        return Llama2cTokenizer.open(beside, vocabSize);
    }

    /** {@return the tokenizer in the metadata of the file at {@code path} if it is GGUF ({@link #isGguf}), or null} */
    private static Tokenizer ggufTokenizerOrNull(Path path, int vocabSize) throws IOException {
        try (MappedFile file = MappedFile.open(path)) {
            return isGguf(path, file) ? GgufTokenizer.read(file, vocabSize) : null;
        }
    }

    /**
     * {@return whether to read {@code file} as GGUF: it starts like one, or is named like one (then the GGUF reader
     * says what is wrong)}
     */
    private static boolean isGguf(Path model, MappedFile file) {
        return GgufCheckpoint.isGguf(file.data()) || (model != null && model.toString().endsWith(".gguf"));
    }

    private static byte[] readResource(String name) {
        try (InputStream in = ModelLoader.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the forwardpass-models jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
