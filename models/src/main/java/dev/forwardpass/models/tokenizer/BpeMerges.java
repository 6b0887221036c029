package dev.forwardpass.models.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * The merge step of BPE over token ids: a word starts as a list of symbols and, repeatedly, the adjacent pair with
 * the best (lowest) merge rank is replaced by its merge, the leftmost pair first among equal ranks, until no pair has
 * a merge. That is Hugging Face's order, and it gives the same result as GPT-2's {@code encoder.py}, which merges
 * every occurrence of the best pair left to right in one pass. A priority queue over a linked list keeps a long word
 * (a run of thousands of spaces) at O(n log n).
 */
final class BpeMerges {
    /** A free slot of {@link #pairs}; no pair of non-negative ids packs to it. */
    private static final long FREE = -1;

    // open addressing: (left id, right id) packed in a long -> (rank, merged id) packed in a long, in the same slot
    private long[] pairs;
    private long[] merges;
    private int size;

    private BpeMerges(int expected) {
        int slots = Integer.highestOneBit(Math.max(2, expected) * 2 - 1) * 2; // a power of two, at least twice that
        pairs = new long[slots];
        merges = new long[slots];
        Arrays.fill(pairs, FREE);
    }

    /**
     * Builds the table from merges in rank order.
     *
     * @param pairs each {@code [left, right]}, rank = index; a pair listed twice keeps its first rank
     * @param vocab piece -> id; both parts and their concatenation must be in it
     * @return the table
     * @throws MissingPieceException naming the first merge whose pieces are not in the vocabulary
     */
    static BpeMerges of(List<String[]> pairs, Map<String, Integer> vocab) throws MissingPieceException {
        BpeMerges table = new BpeMerges(pairs.size());
        for (int rank = 0; rank < pairs.size(); rank++) {
            String[] pair = pairs.get(rank);
            Integer left = vocab.get(pair[0]);
            Integer right = vocab.get(pair[1]);
            Integer merged = vocab.get(pair[0] + pair[1]);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? pair[0] : right == null ? pair[1] : pair[0] + pair[1];
                throw new MissingPieceException(rank, missing);
            }
            table.putIfAbsent(left, right, (long) rank << 32 | merged);
        }
        return table;
    }

    /**
     * Builds the table of a SentencePiece BPE vocabulary, which has scores instead of ranked merges (sentencepiece's
     * {@code bpe_model}, llama.cpp's SPM tokenizer): two adjacent symbols merge when together they are a piece, the
     * best-scoring piece first, the leftmost among equal scores. As merges: every way of cutting a piece into two
     * pieces of the vocabulary is a merge whose rank is the piece's place in the scores, best first, equal scores
     * sharing a rank (so that the leftmost pair wins between them, as it does in {@link #merge}).
     *
     * @param pieces id -> piece; null for an id that merging never produces (control, byte and unused tokens)
     * @param scores id -> score, higher merges first
     * @param vocab piece -> id of every symbol a merge may join
     * @return the table
     */
    static BpeMerges ofScores(String[] pieces, float[] scores, Map<String, Integer> vocab) {
        double[] ascending = IntStream.range(0, pieces.length).filter(id -> pieces[id] != null)
                .mapToDouble(id -> scores[id]).sorted().distinct().toArray();
        BpeMerges table = new BpeMerges(pieces.length);
        for (int id = 0; id < pieces.length; id++) {
            String piece = pieces[id];
            if (piece == null) {
                continue;
            }
            long rank = ascending.length - 1 - Arrays.binarySearch(ascending, scores[id]);
            // every cut between two code points
            for (int cut = 0; cut < piece.length(); ) {
                cut += Character.charCount(piece.codePointAt(cut));
                Integer left = cut < piece.length() ? vocab.get(piece.substring(0, cut)) : null;
                Integer right = left == null ? null : vocab.get(piece.substring(cut));
                if (right != null) {
                    table.putIfAbsent(left, right, rank << 32 | id);
                }
            }
        }
        return table;
    }

    /** {@return the slot of {@code pair}: where it is, or the free slot where it would go} */
    private int slot(long pair) {
        int mask = pairs.length - 1;
        // Fibonacci hashing: the packed ids alone would crowd into a few slots
        int i = (int) ((pair * 0x9E3779B97F4A7C15L) >>> (64 - Integer.numberOfTrailingZeros(pairs.length)));
        while (pairs[i] != FREE && pairs[i] != pair) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static long pack(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private void putIfAbsent(int left, int right, long merge) {
        if (2 * (size + 1) > pairs.length) {
            grow();
        }
        long pair = pack(left, right);
        int i = slot(pair);
        if (pairs[i] == FREE) {
            pairs[i] = pair;
            merges[i] = merge;
            size++;
        }
    }

    private void grow() {
        long[] oldPairs = pairs;
        long[] oldMerges = merges;
        pairs = new long[oldPairs.length * 2];
        merges = new long[oldPairs.length * 2];
        Arrays.fill(pairs, FREE);
        for (int j = 0; j < oldPairs.length; j++) {
            if (oldPairs[j] != FREE) {
                int i = slot(oldPairs[j]);
                pairs[i] = oldPairs[j];
                merges[i] = oldMerges[j];
            }
        }
    }

    /** {@return every merge as {left, right, merged} ids, the best rank first} */
    List<int[]> inRankOrder() {
        List<long[]> ranked = new ArrayList<>(size);
        for (int i = 0; i < pairs.length; i++) {
            if (pairs[i] != FREE) {
                ranked.add(new long[] {merges[i] >>> 32, pairs[i], merges[i]});
            }
        }
        ranked.sort((a, b) -> Long.compare(a[0], b[0]));
        List<int[]> out = new ArrayList<>(ranked.size());
        for (long[] r : ranked) {
            out.add(new int[] {(int) (r[1] >>> 32), (int) r[1], (int) r[2]});
        }
        return out;
    }

    /** {@return the (rank, merged id) of the pair, packed, or -1 if it does not merge} */
    private long merge(int left, int right) {
        int i = slot(pack(left, right));
        return pairs[i] == FREE ? -1 : merges[i];
    }

    /** A merge whose pieces are not in the vocabulary. */
    static final class MissingPieceException extends Exception {
        final int rank;
        final String piece;

        MissingPieceException(int rank, String piece) {
            super("merge " + rank + " needs '" + piece + "', which is not in the vocabulary", null, false, false);
            this.rank = rank;
            this.piece = piece;
        }
    }

    /** {@return the ids after merging {@code symbols} (which is not modified)} */
    int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2) {
            return symbols;
        }
        int[] id = symbols.clone();     // -1 once merged into its left neighbour
        int[] prev = new int[n];
        int[] next = new int[n];        // -1 at the end
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // (rank, position) packed so that the natural order is best rank, then leftmost
        PriorityQueue<Long> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, id, next, i);
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            // entries go stale when a neighbour merges: check that the pair at pos is still the one queued
            if (id[pos] < 0 || next[pos] < 0) {
                continue;
            }
            long merge = merge(id[pos], id[next[pos]]);
            if (merge < 0 || (int) (merge >>> 32) != rank) {
                continue;
            }
            int right = next[pos];
            id[pos] = (int) merge;
            id[right] = -1;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                offer(queue, id, next, prev[pos]);
            }
            offer(queue, id, next, pos);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(id[i]);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void offer(PriorityQueue<Long> queue, int[] id, int[] next, int pos) {
        if (next[pos] < 0) {
            return;
        }
        long merge = merge(id[pos], id[next[pos]]);
        if (merge >= 0) {
            queue.add((merge >>> 32) << 32 | pos);
        }
    }
}
