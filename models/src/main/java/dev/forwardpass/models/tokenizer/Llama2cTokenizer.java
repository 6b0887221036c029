package dev.forwardpass.models.tokenizer;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.models.format.BinaryReader;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;

/**
 * llama2.c's tokenizer ({@code tokenizer.bin}, {@code tok512.bin}): a SentencePiece-style BPE vocabulary with a score
 * per piece. Encoding and decoding follow run.c's {@code encode} and {@code decode} exactly, byte for byte.
 *
 * <p>File layout: int32 max_token_length; then, per token, float32 score, int32 length, length bytes.
 *
 * <p>Pieces are kept as ISO-8859-1 strings: one char per byte, so string concatenation and lookup are exactly
 * run.c's byte-string operations, and any byte sequence round-trips.
 */
public final class Llama2cTokenizer implements Tokenizer {
    /** run.c's convention: 1 is BOS (and stops generation), 2 is EOS. */
    public static final int BOS = 1;
    public static final int EOS = 2;
    /** Byte-fallback tokens {@code <0x00>..<0xFF>} come right after the three special tokens. */
    static final int BYTE_TOKEN_OFFSET = 3;
    /** run.c's best_score before the first pair: a pair must score above it to merge. */
    private static final float RUN_C_NO_SCORE = -1e10f;

    private final String[] vocab;          // (vocabSize,) piece bytes as ISO-8859-1
    private final float[] scores;          // (vocabSize,) merge priority: higher merges first
    private final Map<String, Integer> ids; // piece -> lowest id with that piece
    private final int maxTokenLength;

    private Llama2cTokenizer(String[] vocab, float[] scores, int maxTokenLength) {
        this.vocab = vocab;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
        this.ids = new HashMap<>(vocab.length * 2);
        for (int i = 0; i < vocab.length; i++) {
            ids.putIfAbsent(vocab[i], i);
        }
    }

    /**
     * {@return a tokenizer of {@code pieces}, each piece's bytes as ISO-8859-1 characters (spaces as spaces), with
     * merge priorities {@code scores}}, on run.c's conventions: BOS 1, EOS 2, byte tokens {@code <0x00>..<0xFF>}
     * from 3 (another reader's vocabulary, such as a GGUF file's, once checked to follow them)
     */
    public static Llama2cTokenizer of(String[] pieces, float[] scores) {
        checkArgument(pieces.length == scores.length, "%s pieces but %s scores", pieces.length, scores.length);
        int maxTokenLength = 1;
        for (String piece : pieces) {
            maxTokenLength = Math.max(maxTokenLength, piece.length());
        }
        return new Llama2cTokenizer(pieces.clone(), scores.clone(), maxTokenLength);
    }

    /** Reads {@code vocabSize} tokens from the file at {@code path} (the model's config gives the count). */
    public static Llama2cTokenizer open(Path path, int vocabSize) throws IOException {
        try (MappedFile file = MappedFile.open(path)) {
            return read(file.reader(), vocabSize);
        }
    }

    /** Reads {@code vocabSize} tokens; the bytes are copied, so the reader's file may be closed afterwards. */
    public static Llama2cTokenizer read(BinaryReader r, int vocabSize) throws ModelFormatException {
        checkArgument(vocabSize > 0, "vocabSize must be positive, found %s", vocabSize);
        long maxLengthOffset = r.offset();
        int maxTokenLength = r.readInt("max_token_length");                 // int32 max_token_length
        if (maxTokenLength < 1 || maxTokenLength > r.length()) {
            throw r.error("max_token_length", maxLengthOffset,
                    "must be between 1 and the file's length " + r.length() + ", found " + maxTokenLength);
        }
        // vocabSize comes from a validated model config (at most a million), so these arrays are bounded
        String[] vocab = new String[vocabSize];
        float[] scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            String field = "token[" + i + "]";
            if (r.remaining() < 8) {
                throw r.error(field, r.offset(), "the file ends after " + i + " of the model's " + vocabSize
                        + " tokens (truncated, or a tokenizer for another model)");
            }
            scores[i] = r.readFloat(field + ".score");                        // float32 score
            long lengthOffset = r.offset();
            int length = r.readInt(field + ".length");                        // int32 length
            if (length < 0 || length > maxTokenLength) {
                throw r.error(field + ".length", lengthOffset,
                        "must be between 0 and max_token_length=" + maxTokenLength + ", found " + length);
            }
            vocab[i] = new String(r.readBytes(field + ".bytes", length), StandardCharsets.ISO_8859_1); // bytes
        }
        return new Llama2cTokenizer(vocab, scores, maxTokenLength);
    }

    @Override
    public int vocabSize() {
        return vocab.length;
    }

    /** {@return the merge priority of token {@code id}} */
    public float score(int id) {
        return scores[id];
    }

    /** {@return the length of the longest piece, as the file declares it} */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** {@return run.c's ids of {@code text}: with BOS if {@code options} add special tokens (run.c parses none)} */
    @Override
    public int[] encode(String text, EncodeOptions options) {
        return encode(text, options.addSpecialTokens(), false);
    }

    /**
     * run.c's {@code encode}: optional BOS, a dummy space prefix for non-empty text, one token per UTF-8 code point
     * (or its bytes as {@code <0xXX>} tokens when the code point is not in the vocabulary), then repeatedly the
     * adjacent pair whose merged piece has the highest score is merged, until no pair merges.
     */
    public int[] encode(String text, boolean bos, boolean eos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 3];
        int n = 0;
        if (bos) {
            tokens[n++] = BOS;
        }
        // sentencepiece's add_dummy_prefix: the text is treated as if it started with a space
        Integer dummyPrefix = ids.get(" ");
        if (utf8.length > 0 && dummyPrefix != null) {
            tokens[n++] = dummyPrefix;
        }
        // one token per code point: a lead byte starts a new code point, continuation bytes (10xxxxxx) extend it
        int start = 0;
        for (int i = 0; i < utf8.length; i++) {
            boolean nextContinues = i + 1 < utf8.length && (utf8[i + 1] & 0xC0) == 0x80;
            if (nextContinues && i + 1 - start < 4) {
                continue;
            }
            String codePoint = new String(utf8, start, i + 1 - start, StandardCharsets.ISO_8859_1);
            Integer id = ids.get(codePoint);
            if (id != null) {
                tokens[n++] = id;
            } else {
                // byte fallback: each byte b is the token <0xb>
                for (int j = start; j <= i; j++) {
                    tokens[n++] = Byte.toUnsignedInt(utf8[j]) + BYTE_TOKEN_OFFSET;
                }
            }
            start = i + 1;
        }
        n = mergePairs(tokens, n);
        if (eos) {
            tokens[n++] = EOS;
        }
        return Arrays.copyOf(tokens, n);
    }

    /**
     * run.c's merge loop over {@code tokens[0..n)}: each iteration merges the adjacent pair whose merged piece has the
     * highest score (the leftmost among equal scores; scores not above run.c's start value -1e10 never win), until no
     * pair is a piece. A priority queue of candidate pairs over a linked list of the tokens gives run.c's result in
     * O(n log n) rather than its O(n^2), so a long prompt is encoded before its length is checked. {@return the new n}
     */
    private int mergePairs(int[] tokens, int n) {
        int[] next = new int[n];               // (n,) index of the token after i, or n at the end
        int[] prev = new int[n];               // (n,) index of the token before i, or -1 at the start
        boolean[] merged = new boolean[n];     // (n,) whether token i was merged into the one before it
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        PriorityQueue<Pair> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, tokens, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Pair best = queue.poll();
            int left = best.left();
            int right = best.right();
            // a pair is stale once either side has changed: skip it
            if (merged[left] || merged[right] || next[left] != right || tokens[left] != best.leftId()
                    || tokens[right] != best.rightId()) {
                continue;
            }
            tokens[left] = best.mergedId();
            merged[right] = true;
            next[left] = next[right];
            if (next[right] < n) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, tokens, prev[left], left);
            }
            if (next[left] < n) {
                offer(queue, tokens, left, next[left]);
            }
        }
        int out = 0;
        for (int i = 0; i < n; i = next[i]) {
            tokens[out++] = tokens[i];
        }
        return out;
    }

    /** Queues the pair at {@code left, right} if its merged piece is in the vocabulary with a score run.c would take. */
    private void offer(PriorityQueue<Pair> queue, int[] tokens, int left, int right) {
        Integer id = ids.get(vocab[tokens[left]] + vocab[tokens[right]]);
        if (id != null && scores[id] > RUN_C_NO_SCORE) {
            queue.add(new Pair(scores[id], left, right, tokens[left], tokens[right], id));
        }
    }

    /** A candidate merge: the best score first, then the leftmost (positions keep their order as tokens merge). */
    private record Pair(float score, int left, int right, int leftId, int rightId, int mergedId)
            implements Comparable<Pair> {
        @Override
        public int compareTo(Pair other) {
            // run.c compares with '>': equal scores (0.0 and -0.0 too) are a tie, which the leftmost wins
            if (score != other.score) {
                return score > other.score ? -1 : 1;
            }
            return Integer.compare(left, other.left);
        }
    }

    /**
     * run.c's {@code decode} followed by its {@code safe_printf}: the space after BOS is dropped, {@code <0xXX>}
     * pieces become the raw byte, and a single byte that is neither printable nor white space prints nothing.
     */
    @Override
    public byte[] decode(int previous, int token) {
        byte[] bytes = textBytes(previous, token);
        // printf("%s") stops at a NUL byte
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                bytes = Arrays.copyOf(bytes, i);
                break;
            }
        }
        if (bytes.length == 1 && !isPrintableOrSpace(Byte.toUnsignedInt(bytes[0]))) {
            return new byte[0];
        }
        return bytes;
    }

    /** run.c's {@code decode}: the space after BOS is dropped, and {@code <0xXX>} pieces become the raw byte. */
    @Override
    public byte[] textBytes(int previous, int token) {
        checkArgument(token >= 0 && token < vocab.length, "token %s is outside the vocabulary of %s", token, vocab.length);
        String piece = vocab[token];
        if (previous == BOS && piece.startsWith(" ")) {
            piece = piece.substring(1);
        }
        int rawByte = parseByteToken(piece);
        return rawByte >= 0 ? new byte[] {(byte) rawByte} : piece.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@return the byte of a {@code <0xXX>} piece (as run.c's sscanf "<0x%02hhX>" reads it), or -1} */
    private static int parseByteToken(String piece) {
        if (!piece.startsWith("<0x")) {
            return -1;
        }
        int value = 0;
        int digits = 0;
        for (int i = 3; i < piece.length() && digits < 2; i++, digits++) {
            int digit = Character.digit(piece.charAt(i), 16);
            if (digit < 0) {
                break;
            }
            value = value * 16 + digit;
        }
        return digits == 0 ? -1 : value;
    }

    /** C's isprint || isspace in the "C" locale. */
    private static boolean isPrintableOrSpace(int b) {
        return (b >= 0x20 && b <= 0x7E) || (b >= 0x09 && b <= 0x0D);
    }

    @Override
    public boolean stopsGeneration(int token) {
        return token == BOS;
    }

    /** {@return run.c's BOS, 1, which {@link #encode(String)} always adds} */
    @Override
    public OptionalInt bosToken() {
        return OptionalInt.of(BOS);
    }

    @Override
    public String piece(int token) {
        checkArgument(token >= 0 && token < vocab.length, "token %s is outside the vocabulary of %s", token, vocab.length);
        return new String(vocab[token].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
