package dev.forwardpass.server;

/** Tokens per second over the last {@value #SECONDS} whole seconds, counted in one-second buckets. */
final class TokenRate {
    static final int SECONDS = 10;

    private final long[] counts = new long[SECONDS];
    /** The second (since an arbitrary origin) each bucket counts. */
    private final long[] secondOf = new long[SECONDS];

    synchronized void add(long tokens, long nowNanos) {
        long second = nowNanos / 1_000_000_000L;
        int bucket = (int) Math.floorMod(second, (long) SECONDS);
        if (secondOf[bucket] != second) {
            secondOf[bucket] = second;
            counts[bucket] = 0;
        }
        counts[bucket] += tokens;
    }

    /** {@return the mean rate of the {@value #SECONDS} whole seconds before the current one} */
    synchronized double perSecond(long nowNanos) {
        long second = nowNanos / 1_000_000_000L;
        long total = 0;
        for (int bucket = 0; bucket < SECONDS; bucket++) {
            long age = second - secondOf[bucket];
            if (age >= 1 && age <= SECONDS) {
                total += counts[bucket];
            }
        }
        return total / (double) SECONDS;
    }
}
