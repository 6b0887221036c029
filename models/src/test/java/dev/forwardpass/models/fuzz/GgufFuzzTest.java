package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.gguf.GgufCheckpoint;
import dev.forwardpass.models.gguf.GgufTokenizer;
import java.io.IOException;

/** GGUF files: the header, metadata and tensor infos of a checkpoint, and the tokenizer in the metadata. */
class GgufFuzzTest {
    /** A session context small enough that no fuzzed context_length matters. */
    private static final int CONTEXT_LIMIT = 64;

    @FuzzTest
    void checkpoint(byte[] input) throws IOException {
        FuzzInputs.readOrReject(() -> {
            try (var checkpoint = GgufCheckpoint.read(MappedFile.ofBytes(input, "model.gguf"), CONTEXT_LIMIT)) {
                checkpoint.config();
            }
        });
    }

    @FuzzTest
    void tokenizer(byte[] input) throws IOException {
        FuzzInputs.readOrReject(() -> {
            try (MappedFile file = MappedFile.ofBytes(input, "vocab.gguf")) {
                FuzzInputs.use(GgufTokenizer.read(file, 0));
                GgufTokenizer.vocabulary(file).chatTemplate();
            }
        });
    }
}
