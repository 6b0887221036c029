package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Weights that make the logits non-finite are a malformed model: one line naming it and the position, exit 65. */
class NonFiniteWeightsTest {
    /** llama2.c's header: seven int32 (dim first); the token embeddings follow, row after row. */
    private static final int HEADER_BYTES = 7 * Integer.BYTES;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"NaN, java", "Infinity, scalar", "NaN, djl"})
    void aGenerationFromBrokenWeightsNamesTheModelAndThePosition(float value, String backend, @TempDir Path dir)
            throws IOException {
        Path model = CliRunner.stories260KBesideItsTokenizer(dir);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(model)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = bytes.getInt(0);
        bytes.putFloat(HEADER_BYTES + dim * Float.BYTES, value); // BOS's embedding (token 1): every story starts there
        Files.write(model, bytes.array());

        CliRunner generate = CliRunner.run("generate", "--model", model.toString(), "--backend", backend, "-t", "0",
                "-n", "20");
        String error = generate.assertOneLineError(65);
        assertTrue(error.contains(model.toString()) && error.contains("position 0") && error.contains("non-finite"),
                error);
        assertEquals("", generate.out().strip(), "nothing was printed before the error");

        CliRunner perplexity = CliRunner.run("perplexity", "--model", model.toString(), "--backend", backend, "--file",
                Files.writeString(dir.resolve("story.txt"), "Once upon a time, there was a cat.").toString());
        assertTrue(perplexity.assertOneLineError(65).contains("non-finite"), perplexity.err());
    }
}
