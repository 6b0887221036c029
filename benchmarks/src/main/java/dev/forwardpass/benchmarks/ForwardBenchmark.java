package dev.forwardpass.benchmarks;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.LanguageModel;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.format.Llama2cWriter;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.llama.LlamaPresets;
import dev.forwardpass.models.llama.RandomLlamaCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole model, end to end, on random-weight llama2.c checkpoints with the shapes of the TinyStories 15M and 110M
 * models ({@link LlamaPresets}; the amount of work per token is that of the trained models):
 * <ul>
 *   <li>{@link #decode}: one token at position {@value #DECODE_POS}, after a prefill of the positions before it:
 *       {@code Session.forward}, logits copied back included. Reads every weight once (15M: 4·15.2M bytes; 110M:
 *       4·109.5M bytes, the classifier being the embedding table), so read it in GB/s against
 *       {@link MemoryBandwidthBenchmark}; {@code -prof gc} shows what a step allocates.
 *   <li>{@link #prefill}: {@value #PREFILL_TOKENS} prompt tokens from position 0 as one batch, for the logits
 *       after the last ({@code Session.prefill} without a sink, as {@code generate} runs a prompt: the classifier
 *       for the last token only). About {@code 2·128·(layer matmul weights) + 2·(classifier)} FLOP, plus
 *       attention.
 * </ul>
 * The checkpoint is written to a temporary file by each trial (seeded, so every fork sees the same weights) and
 * deleted at its end.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE})
public class ForwardBenchmark {
    static final long SEED = 2024;
    /** The position a decode step runs at: a short context, as in the first sentences of a story. */
    static final int DECODE_POS = 64;
    /** Tokens of a prefill: one chunk of the Llama model's batched prefill. */
    static final int PREFILL_TOKENS = 128;

    /** A loaded model and one session; what decode and prefill share. */
    @State(Scope.Benchmark)
    public abstract static class ModelState {
        /** Which backend computes. */
        @Param({"scalar", "java", "djl"})
        public String backend;

        /** How many threads it may use. */
        @Param({"1", "2"})
        public int threads;

        /** The model's shape: a {@link LlamaPresets} name without its {@code tinystories-} prefix. */
        @Param({"15m", "110m"})
        public String model;

        Backend compute;
        Path file;
        LanguageModel loaded;
        LanguageModel.Session session;

        /** Writes the checkpoint, loads it and opens a session. */
        final void open() throws IOException {
            LlamaConfig config = LlamaPresets.all().get("tinystories-" + model);
            checkArgument(config != null, "unknown model %s (known: %s)", model, LlamaPresets.all().keySet());
            file = Files.createTempFile("forwardpass-bench-" + model + "-", ".bin");
            try (RandomLlamaCheckpoint random = new RandomLlamaCheckpoint(config, true, SEED)) {
                Llama2cWriter.write(random, file);
            }
            compute = BenchmarkBackends.open(backend, threads);
            loaded = ModelLoader.loadModel(file, compute);
            session = loaded.newSession();
        }

        /** {@return {@code count} deterministic tokens of the vocabulary} */
        final int[] tokens(int count) {
            int[] tokens = new int[count];
            for (int i = 0; i < count; i++) {
                tokens[i] = (int) ((i * 7919L + 1) % loaded.vocabSize());
            }
            return tokens;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (session != null) {
                session.close();
            }
            if (loaded != null) {
                loaded.close();
            }
            if (compute != null) {
                compute.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** A session whose positions before {@link ForwardBenchmark#DECODE_POS} are filled, ready to decode there. */
    public static class DecodeState extends ModelState {
        int token;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
            int[] context = tokens(DECODE_POS + 1);
            session.prefill(Arrays.copyOf(context, DECODE_POS), 0);
            token = context[DECODE_POS];
        }
    }

    /** A fresh session and a prompt of {@link ForwardBenchmark#PREFILL_TOKENS} tokens. */
    public static class PrefillState extends ModelState {
        int[] prompt;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
            prompt = tokens(PREFILL_TOKENS);
        }
    }

    /** One decoded token: returns its logits (the session's array, reused by every call). */
    @Benchmark
    public float[] decode(DecodeState s) {
        return s.session.forward(s.token, DECODE_POS);
    }

    /** A {@value #PREFILL_TOKENS}-token prompt: returns the logits after its last token. */
    @Benchmark
    public float[] prefill(PrefillState s) {
        return s.session.prefill(s.prompt, 0);
    }
}
