package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** Hugging Face's tokenizer files: tokenizer.json, and GPT-2's vocab.json with merges.txt. */
class TokenizerFilesFuzzTest {
    /** Separates vocab.json from merges.txt in one input: a byte neither text file holds. */
    private static final byte SEPARATOR = 0;

    @FuzzTest
    void tokenizerJson(byte[] input) throws IOException {
        Path file = FuzzInputs.write(FuzzInputs.emptyFolder("tokenizer-json"), "tokenizer.json", input);
        FuzzInputs.readOrReject(() -> FuzzInputs.use(Tokenizers.open(file, 0)));
    }

    /** The input is vocab.json, a NUL byte, then merges.txt (all of it vocab.json if there is no NUL). */
    @FuzzTest
    void vocabAndMerges(byte[] input) throws IOException {
        int split = 0;
        while (split < input.length && input[split] != SEPARATOR) {
            split++;
        }
        Path folder = FuzzInputs.emptyFolder("vocab-and-merges");
        FuzzInputs.write(folder, "vocab.json", Arrays.copyOfRange(input, 0, split));
        FuzzInputs.write(folder, "merges.txt", Arrays.copyOfRange(input, Math.min(split + 1, input.length),
                input.length));
        FuzzInputs.readOrReject(() -> FuzzInputs.use(Tokenizers.open(folder, 0)));
    }
}
