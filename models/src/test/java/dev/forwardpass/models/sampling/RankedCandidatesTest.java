package dev.forwardpass.models.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RankedCandidatesTest {

    private static int[] ranks(RankedCandidates candidates) {
        return IntStream.range(0, candidates.count()).map(candidates::byRank).toArray();
    }

    /** {@return the tokens that are not banned, sorted by descending logit, then ascending id} */
    private static int[] sortedByRank(float[] logits) {
        return IntStream.range(0, logits.length).filter(i -> logits[i] != Float.NEGATIVE_INFINITY).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparing(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    @Test
    void ranksByDescendingLogitThenAscendingIdAndSkipsBans() {
        float ninf = Float.NEGATIVE_INFINITY;
        float[] logits = {-1f, 3f, ninf, 0f, -0f, 3f, -7.5f, Float.MAX_VALUE, -Float.MAX_VALUE, ninf};
        RankedCandidates candidates = new RankedCandidates(logits.length);
        candidates.reset(logits);
        assertEquals(8, candidates.count());
        // by id, the banned ones (2 and 9) left out
        assertArrayEquals(new int[] {0, 1, 3, 4, 5, 6, 7, 8},
                IntStream.range(0, candidates.count()).map(candidates::byId).toArray());
        // the two 3s and the two zeros (0 and -0) tie, in id order
        assertArrayEquals(new int[] {7, 1, 5, 3, 4, 0, 6, 8}, ranks(candidates));
    }

    @Test
    void ranksLikeASortOnRandomLogitsAndCanBeReused() {
        Random random = new Random(2);
        RankedCandidates candidates = new RankedCandidates(1000);
        for (int trial = 0; trial < 20; trial++) {
            float[] logits = new float[1 + random.nextInt(1000)];
            for (int i = 0; i < logits.length; i++) {
                // few distinct values, so that ties are common
                logits[i] = random.nextInt(40) - 20;
            }
            candidates.reset(logits);
            // a partial ranking first, as top-k asks, then the rest
            candidates.byRank(Math.min(5, logits.length - 1));
            assertArrayEquals(sortedByRank(logits), ranks(candidates), "trial " + trial);
        }
    }

    @Test
    void selectsTheFirstRanksOfASortWhenOnlyAFewAreAskedFor() {
        Random random = new Random(5);
        RankedCandidates candidates = new RankedCandidates(5000);
        for (int trial = 0; trial < 40; trial++) {
            float[] logits = new float[1000 + random.nextInt(4000)];
            for (int i = 0; i < logits.length; i++) {
                // ties are common, and a few tokens are banned
                logits[i] = random.nextInt(10) == 0 ? Float.NEGATIVE_INFINITY : random.nextInt(60) - 30;
            }
            int ranks = 1 + random.nextInt(logits.length / 16);
            candidates.reset(logits, ranks);
            int[] expected = sortedByRank(logits);
            assertEquals(expected.length, candidates.count(), "trial " + trial);
            assertArrayEquals(Arrays.copyOf(expected, ranks), IntStream.range(0, ranks).map(candidates::byRank)
                    .toArray(), "trial " + trial);
            assertArrayEquals(IntStream.range(0, logits.length).filter(i -> logits[i] != Float.NEGATIVE_INFINITY)
                    .toArray(), IntStream.range(0, candidates.count()).map(candidates::byId).toArray());
            assertThrows(IllegalArgumentException.class, () -> candidates.byRank(ranks));
        }
    }
}
