package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Hugging Face's tokenizer files: tokenizer.json, GPT-2's vocab.json with merges.txt, and the configs beside a
 * tokenizer.json that name its control tokens and chat template.
 */
class TokenizerFilesFuzzTest {
    /** The tokenizer.json beside the fuzzed configs: the trimmed Llama 3 seed. */
    private static final byte[] LLAMA3_TOKENIZER = resource("TokenizerFilesFuzzTestInputs/tokenizerJson/llama3.json");

    @FuzzTest
    void tokenizerJson(byte[] input) throws IOException {
        Path file = FuzzInputs.write(FuzzInputs.emptyFolder("tokenizer-json"), "tokenizer.json", input);
        FuzzInputs.readOrReject(() -> FuzzInputs.use(Tokenizers.open(file, 0)));
    }

    /** The input is vocab.json, a NUL byte, then merges.txt. */
    @FuzzTest
    void vocabAndMerges(byte[] input) throws IOException {
        byte[][] files = FuzzInputs.splitAtNul(input);
        Path folder = FuzzInputs.emptyFolder("vocab-and-merges");
        FuzzInputs.write(folder, "vocab.json", files[0]);
        FuzzInputs.write(folder, "merges.txt", files[1]);
        FuzzInputs.readOrReject(() -> FuzzInputs.use(Tokenizers.open(folder, 0)));
    }

    /** The input is tokenizer_config.json, a NUL byte, then generation_config.json. */
    @FuzzTest
    void tokenizerConfigs(byte[] input) throws IOException {
        byte[][] files = FuzzInputs.splitAtNul(input);
        Path folder = FuzzInputs.emptyFolder("tokenizer-configs");
        FuzzInputs.write(folder, "tokenizer.json", LLAMA3_TOKENIZER);
        FuzzInputs.write(folder, "tokenizer_config.json", files[0]);
        FuzzInputs.write(folder, "generation_config.json", files[1]);
        FuzzInputs.readOrReject(() -> {
            FuzzInputs.use(Tokenizers.open(folder, 0));
            Tokenizers.chatTemplate(folder);
        });
    }

    private static byte[] resource(String name) {
        try (InputStream in = TokenizerFilesFuzzTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
