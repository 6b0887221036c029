package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.llama2c.Llama2cCheckpoint;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;

/** llama2.c's files as run.c reads them: a checkpoint (header and weights) and a tokenizer.bin. */
class Llama2cFuzzTest {
    /** How many tokens the reader is told a tokenizer.bin holds (its format does not say): the seed tok512.bin's. */
    private static final int VOCAB_SIZE = 512;

    @FuzzTest
    void checkpoint(byte[] input) throws IOException {
        FuzzInputs.readOrReject(() -> {
            try (var checkpoint = Llama2cCheckpoint.read(MappedFile.ofBytes(input, "checkpoint.bin"))) {
                checkpoint.config();
            }
        });
    }

    @FuzzTest
    void tokenizer(byte[] input) throws IOException {
        Path file = FuzzInputs.write(FuzzInputs.emptyFolder("llama2c-tokenizer"), "tokenizer.bin", input);
        FuzzInputs.readOrReject(() -> FuzzInputs.use(Tokenizers.open(file, VOCAB_SIZE)));
    }
}
