package dev.forwardpass.models.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Opens a tokenizer of any supported kind, told apart by what {@code path} is. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * Opens the tokenizer at {@code path}:
     * <ul>
     *   <li>a folder with {@code tokenizer.json}: Hugging Face's tokenizer ({@link ByteLevelBpeTokenizer} or
     *       {@link SentencePieceBpeTokenizer}, as the file says);
     *   <li>a folder with {@code vocab.json} and {@code merges.txt}: GPT-2's byte-level BPE;
     *   <li>a {@code .json} file: read as a tokenizer.json;
     *   <li>any other file: a llama2.c tokenizer ({@code tokenizer.bin}), read by run.c's rules
     *       ({@link Llama2cTokenizer}).
     * </ul>
     * The control tokens of a Hugging Face tokenizer come from the configs beside it ({@code tokenizer_config.json},
     * {@code generation_config.json}, {@code config.json}), so a model folder gives the model's.
     *
     * @param vocabSize the model's vocabulary size: how many tokens a llama2.c file holds (its format does not say);
     *     a Hugging Face tokenizer accepts ids up to it (padding ids print nothing) and needs no such hint (0 is
     *     allowed for it)
     * @throws NoSuchFileException if nothing is at {@code path}, or a folder holds no tokenizer
     * @throws dev.forwardpass.models.format.ModelFormatException if the files are malformed or unsupported
     */
    public static Tokenizer open(Path path, int vocabSize) throws IOException {
        if (Files.isDirectory(path)) {
            Path json = path.resolve(TokenizerFiles.TOKENIZER_JSON);
            if (Files.isRegularFile(json)) {
                return TokenizerFiles.readTokenizerJson(json, vocabSize);
            }
            Path vocab = path.resolve(TokenizerFiles.VOCAB_JSON);
            Path merges = path.resolve(TokenizerFiles.MERGES_TXT);
            if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
                return TokenizerFiles.readVocabAndMerges(vocab, merges, vocabSize);
            }
            throw new NoSuchFileException(path.toString(), null, "no tokenizer in the folder (expected "
                    + TokenizerFiles.TOKENIZER_JSON + ", or " + TokenizerFiles.VOCAB_JSON + " and "
                    + TokenizerFiles.MERGES_TXT + ")");
        }
        if (path.getFileName().toString().endsWith(".json")) {
            return TokenizerFiles.readTokenizerJson(path, vocabSize);
        }
        return Llama2cTokenizer.open(path, vocabSize);
    }

    /**
     * {@return the chat template in the Hugging Face model folder {@code folder}, if it has one}: tokenizer_config.json's
     * {@code chat_template} (the "default" one of a list), else the file {@code chat_template.jinja}, else
     * chat_template.json's
     *
     * @throws dev.forwardpass.models.format.ModelFormatException if a config is not valid JSON
     */
    public static Optional<String> chatTemplate(Path folder) throws IOException {
        return TokenizerFiles.chatTemplate(folder);
    }
}
