package dev.forwardpass.models.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.gpt2.Gpt2;
import dev.forwardpass.models.gpt2.Gpt2Config;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.llama2c.Llama2cWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole decode step of the java backend ({@code Session.forward}, logits copied back included), and a batched step
 * of several sessions ({@code LanguageModel.decode}), allocates nothing on any thread that computes it (the caller and
 * the backend's worker threads), for every family: the session is shared, the forward passes are each family's own. JMH's {@code -prof gc} cannot show that alone, as it also counts JMH's own
 * threads (about 3.5 KB/s here, which is 9-20 B/op for a step of a few milliseconds, the same for a bare
 * matrix-vector product).
 */
class DecodeAllocationTest {
    /** Big enough that the matmuls are split between two threads (at least two chunks of rows). */
    private static final LlamaConfig CONFIG =
            new LlamaConfig(256, 768, 2, 4, 4, 64, 1024, 64, 1e-5f, 10000f, RopeLayout.INTERLEAVED);
    /** GPT-2 of the same widths. */
    private static final Gpt2Config GPT2_CONFIG = new Gpt2Config(256, 768, 2, 4, 1024, 64, 64, 1e-5f);

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void aDecodeStepAllocatesNothingOnAnyThread(int threads, @TempDir Path dir) throws IOException {
        // weights mapped from a llama2.c file, as the CLI loads them
        Path file = dir.resolve("model.bin");
        try (RandomCheckpoint<LlamaConfig> random = RandomCheckpoint.of(Llama.ARCHITECTURE, CONFIG, 11)) {
            Llama2cWriter.write(random, file);
        }
        try {
            assertDecodeAllocatesNothing(threads, backend -> ModelLoader.loadModel(file, backend));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void aGpt2DecodeStepAllocatesNothingOnAnyThread(int threads) throws IOException {
        assertDecodeAllocatesNothing(threads,
                backend -> DecoderModel.load(RandomCheckpoint.of(Gpt2.ARCHITECTURE, GPT2_CONFIG, 11), backend));
    }

    /** Loads a model onto a backend. */
    @FunctionalInterface
    private interface Loader {
        LanguageModel load(Backend backend) throws IOException;
    }

    private static void assertDecodeAllocatesNothing(int threads, Loader loader) throws IOException {
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Set<Thread> earlierWorkers = workerThreads(); // of other tests' backends, perhaps not yet stopped
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(threads));
                LanguageModel model = loader.load(backend);
                LanguageModel.Session session = model.newSession();
                LanguageModel.Session second = model.newSession();
                LanguageModel.Session third = model.newSession()) {
            Set<Thread> workers = workerThreads();
            workers.removeAll(earlierWorkers);
            assertEquals(threads - 1, workers.size(), "worker threads of the backend");
            long[] workerIds = workers.stream().mapToLong(Thread::threadId).toArray();
            // The JIT compiles in the background, and until it has, vectors live on the heap. So: run until one
            // round allocates nothing, within a bound of time that the compiled code reaches in a fraction of it
            // (a second or two alone; on a machine busy with other builds the compiler threads wait their turn).
            long allocated = -1;
            int token = 1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (allocated != 0 && System.nanoTime() < deadline) {
                long before = allocatedBytes(threadBean, workerIds);
                for (int pos = 0; pos < model.seqLen(); pos++) {
                    session.forward(token, pos);
                    token = (token * 31 + 7) % model.vocabSize();
                }
                allocated = allocatedBytes(threadBean, workerIds) - before;
            }
            assertEquals(0, allocated, "bytes allocated by " + model.seqLen() + " decode steps of " + model.architecture()
                    + " after warm-up");

            // the same for steps of three sessions at once, each at another position
            List<LanguageModel.Session> batch = List.of(second, session, third);
            int[] tokens = new int[batch.size()];
            int[] positions = new int[batch.size()];
            LanguageModel.LogitsSink sink = (row, logits) -> tokens[row] = (row * 31 + 7) % logits.length;
            allocated = -1;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (allocated != 0 && System.nanoTime() < deadline) {
                long before = allocatedBytes(threadBean, workerIds);
                for (int step = 0; step < model.seqLen() - 2; step++) {
                    for (int row = 0; row < positions.length; row++) {
                        positions[row] = step + row;
                    }
                    model.decode(batch, tokens, positions, sink);
                }
                allocated = allocatedBytes(threadBean, workerIds) - before;
            }
            assertEquals(0, allocated, "bytes allocated by " + (model.seqLen() - 2) + " batched decode steps of "
                    + model.architecture() + " after warm-up");
        }
    }

    /** {@return the live worker threads of java backends} */
    private static Set<Thread> workerThreads() {
        Set<Thread> workers = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("forwardpass-java-")) {
                workers.add(t);
            }
        }
        return workers;
    }

    /**
     * {@return the bytes allocated so far by this thread and the given ones}, read without allocating (the array
     * variant of ThreadMXBean's query allocates its result)
     */
    private static long allocatedBytes(com.sun.management.ThreadMXBean threadBean, long[] workerIds) {
        long total = threadBean.getCurrentThreadAllocatedBytes();
        for (long id : workerIds) {
            total += threadBean.getThreadAllocatedBytes(id);
        }
        return total;
    }
}
