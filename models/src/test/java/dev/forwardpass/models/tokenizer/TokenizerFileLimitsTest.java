package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ids, counts and lengths in tokenizer files are checked against sane limits before anything is sized by them. */
class TokenizerFileLimitsTest {
    @TempDir
    Path dir;

    private ModelFormatException openError(Path path) {
        return assertThrows(ModelFormatException.class, () -> Tokenizers.open(path, 0));
    }

    @Test
    void aHugeIdInAVocabularyIsRejectedBeforeArraysAreSizedByIt() throws IOException {
        String[] ids = {"2000000000", "4194304", "-1", "1.5", "99999999999"};
        for (String id : ids) {
            Path gpt2 = Files.createDirectories(dir.resolve("gpt2-" + id));
            Files.writeString(gpt2.resolve("vocab.json"), "{\"a\": 0, \"b\": " + id + "}");
            Files.writeString(gpt2.resolve("merges.txt"), "#version: 0.2\n");
            ModelFormatException e = openError(gpt2);
            assertEquals("b", e.field());
            assertTrue(e.getMessage().endsWith("must be an integer id from 0 to 4194303, found " + id), e.getMessage());

            Path json = Files.writeString(dir.resolve("tokenizer-" + id + ".json"), """
                    {"model": {"type": "BPE", "vocab": {"a": 0, "b": %s}, "merges": []},
                     "pre_tokenizer": {"type": "ByteLevel"}}""".formatted(id));
            assertEquals("model.vocab.b", openError(json).field());
        }
    }

    @Test
    void aHugeIdOfAnAddedTokenIsRejected() throws IOException {
        for (String id : new String[] {"2000000000", "4194304", "-7"}) {
            Path json = Files.writeString(dir.resolve("added-" + id + ".json"), """
                    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"},
                     "added_tokens": [{"id": %s, "content": "<|x|>", "special": true}]}""".formatted(id));
            ModelFormatException e = openError(json);
            assertEquals("added_tokens[0]", e.field());
            assertTrue(e.getMessage().contains("needs an id from 0 to 4194303"), e.getMessage());
        }
        Path fine = Files.writeString(dir.resolve("fine.json"), """
                {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"},
                 "added_tokens": [{"id": 4194303, "content": "<|x|>", "special": true}]}""");
        assertEquals(4194304, Tokenizers.open(fine, 0).vocabSize());
    }

    @Test
    void aMergesFileLargerThanTheLimitIsRefusedUnread() throws IOException {
        Path gpt2 = Files.createDirectories(dir.resolve("big"));
        Files.writeString(gpt2.resolve("vocab.json"), "{\"a\": 0}");
        try (RandomAccessFile merges = new RandomAccessFile(gpt2.resolve("merges.txt").toFile(), "rw")) {
            merges.setLength(300L << 20);
        }
        ModelFormatException e = openError(gpt2);
        assertTrue(e.getMessage().contains("merges.txt: is larger than the 64 MB"), e.getMessage());
    }
}
