package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The KV caches of a model's closed sessions, kept for its next sessions. A new cache is tens of megabytes of fresh
 * memory that the allocator zero-fills page by page (75 MB for a 110M model), and closing its tensors frees it again
 * (the java backend keeps only 256 MB of closed tensors' memory), so that a server whose requests come and go paid
 * that for every request, with every running stream waiting: a sixth of the batch thread's time in a profile of
 * {@code serve} with 8 streams. A kept cache is zeroed where its session wrote, a prompt and its answer, so that a
 * session sees zeros past what it wrote itself, as in a new cache, and nothing of another session's.
 * Up to {@link #KEPT_BYTES} are kept; a cache beyond that is closed as before. Callers hold the backend's monitor.
 */
final class KvCachePool implements AutoCloseable {
    /** The most memory kept in idle caches: a dozen 110M sessions, or none of a 7B model's 4,096-token ones. */
    static final long KEPT_BYTES = 1L << 30;

    private final Backend backend;
    private final DecoderConfig config;
    private final long cacheBytes;
    private final Deque<KvCache> idle = new ArrayDeque<>();
    private Tensor zeros; // (seqLen, kvDim), made when the first cache is kept
    private boolean closed;

    KvCachePool(Backend backend, DecoderConfig config) {
        this.backend = backend;
        this.config = config;
        this.cacheBytes = 2L * config.nLayers() * config.seqLen() * config.kvDim() * Float.BYTES;
    }

    /** {@return a kept cache, or a new one} holding zeros only */
    KvCache take() {
        KvCache cache = idle.poll();
        return cache != null ? cache : new KvCache(backend, config.nLayers(), config.seqLen(), config.kvDim());
    }

    /** Zeroes {@code cache}, whose session has closed, and keeps it for {@link #take}, or closes it. */
    void give(KvCache cache) {
        if (closed || (idle.size() + 1) * cacheBytes > KEPT_BYTES) {
            cache.close();
            return;
        }
        if (zeros == null) {
            zeros = backend.allocate(Shape.of(config.seqLen(), config.kvDim()));
        }
        cache.zero(backend, zeros);
        idle.push(cache);
    }

    /** Closes the kept caches; caches given later are closed at once. */
    @Override
    public void close() {
        closed = true;
        idle.forEach(KvCache::close);
        idle.clear();
        if (zeros != null) {
            zeros.close();
        }
    }
}
