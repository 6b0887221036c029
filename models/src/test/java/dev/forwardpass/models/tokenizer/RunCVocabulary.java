package dev.forwardpass.models.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A llama2.c vocabulary as run.c holds it (pieces as ISO-8859-1 strings, one char per byte, and scores), with run.c's
 * {@code encode} written as run.c writes it: the reference that {@link Llama2cTokenizer} is tested against.
 *
 * @param pieces id -> piece bytes
 * @param scores id -> merge score
 */
record RunCVocabulary(String[] pieces, float[] scores) {

    /** {@return the vocabulary of a llama2.c tokenizer file of {@code vocabSize} tokens} */
    static RunCVocabulary read(byte[] file, int vocabSize) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt(); // max_token_length
        String[] pieces = new String[vocabSize];
        float[] scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            scores[i] = b.getFloat();
            byte[] bytes = new byte[b.getInt()];
            b.get(bytes);
            pieces[i] = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return new RunCVocabulary(pieces, scores);
    }

    Llama2cTokenizer tokenizer() {
        return Llama2cTokenizer.of(pieces, scores);
    }

    /** run.c's {@code encode} with BOS: the merge loop scans every pair on every iteration. */
    int[] runC(String text) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < pieces.length; i++) {
            ids.putIfAbsent(pieces[i], i);
        }
        int[] tokens = unmerged(text, ids);
        int n = tokens.length;
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i < n - 1; i++) {
                Integer id = ids.get(pieces[tokens[i]] + pieces[tokens[i + 1]]);
                if (id != null && scores[id] > bestScore) {
                    bestScore = scores[id];
                    bestId = id;
                    bestIndex = i;
                }
            }
            if (bestIndex == -1) {
                break;
            }
            tokens[bestIndex] = bestId;
            System.arraycopy(tokens, bestIndex + 2, tokens, bestIndex + 1, n - bestIndex - 2);
            n--;
        }
        return Arrays.copyOf(tokens, n);
    }

    /** run.c's tokens before merging: BOS, the dummy space, one token per code point or its byte tokens. */
    private static int[] unmerged(String text, Map<String, Integer> ids) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 2];
        int n = 0;
        tokens[n++] = Llama2cTokenizer.BOS;
        if (utf8.length > 0 && ids.containsKey(" ")) {
            tokens[n++] = ids.get(" ");
        }
        int start = 0;
        for (int i = 0; i < utf8.length; i++) {
            if (i + 1 < utf8.length && (utf8[i + 1] & 0xC0) == 0x80 && i + 1 - start < 4) {
                continue;
            }
            Integer id = ids.get(new String(utf8, start, i + 1 - start, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens[n++] = id;
            } else {
                for (int j = start; j <= i; j++) {
                    tokens[n++] = Byte.toUnsignedInt(utf8[j]) + Llama2cTokenizer.BYTE_TOKEN_OFFSET;
                }
            }
            start = i + 1;
        }
        return Arrays.copyOf(tokens, n);
    }
}
