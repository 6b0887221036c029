package dev.forwardpass.benchmarks;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.DecoderModel;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.decoder.RandomCheckpoint;
import dev.forwardpass.models.decoder.Weights;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.llama.LlamaPresets;
import dev.forwardpass.models.llama.LlamaTensors;
import dev.forwardpass.models.llama2c.Llama2cWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * models ({@link LlamaPresets}; the amount of work per token is that of the trained models), or on the embedded
 * stories260K model ({@code -p model=260k}):
 * <ul>
 *   <li>{@link #decode}: one token at position {@value #DECODE_POS}, after a prefill of the positions before it:
 *       {@code Session.forward}, logits copied back included. Reads every weight once (15M: 4·15.2M bytes; 110M:
 *       4·109.5M bytes, the classifier being the embedding table), so read it in GB/s against
 *       {@link MemoryBandwidthBenchmark}; {@code -prof gc} shows what a step allocates.
 *   <li>{@link #prefill}: {@value #PREFILL_TOKENS} prompt tokens from position 0 as one batch, for the logits
 *       after the last ({@code Session.prefill} without a sink, as {@code generate} runs a prompt: the classifier
 *       for the last token only). About {@code 2·128·(layer matmul weights) + 2·(classifier)} FLOP, plus
 *       attention.
 *   <li>{@link #matvecs}: the matrix × vector products of one decode step alone, on the model's own weight tensors
 *       (every layer's wq, wk, wv, wo, wGate, wUp, wDown, then the classifier), on fixed random inputs. The bare
 *       matmul time of a token, which {@link #decode} adds its other ops and the logits copy to: their ratio is what
 *       the backend adds around its matmuls.
 *   <li>{@link #decodeThenMatvecs}: a decode step and then {@link #matvecs}, timed apart ({@link SplitTimes}). On a
 *       shared machine the bandwidth left to a benchmark drifts by ±10% within minutes, so two benchmarks run one
 *       after the other compare their times under different loads; alternating token by token, both see the same.
 * </ul>
 * The F32 checkpoint is written to a temporary file by each trial (seeded, so every fork sees the same weights) and
 * deleted at its end; a block type's is made in memory. Bytes a decode step reads: the matrices in {@code type}
 * ({@code DType.byteSize}), the norm weights and the embedding row aside.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
public class ForwardBenchmark {
    static final long SEED = 2024;
    /** The position a decode step runs at: a short context, as in the first sentences of a story. */
    static final int DECODE_POS = 64;
    /** The {@code model} parameter's name for the embedded stories260K model. */
    static final String EMBEDDED = "260k";
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

        /**
         * The model's shape: a {@link LlamaPresets} name without its {@code tinystories-} prefix, or
         * {@value ForwardBenchmark#EMBEDDED} for the embedded stories260K model (its own F32 weights), where the
         * cost of each op beyond its arithmetic shows most.
         */
        @Param({"15m", "110m"})
        public String model;

        /**
         * The dtype of the model's matrices: F32 (a llama2.c file, mapped), or a block type (e.g. {@code -p
         * type=F32,Q8_0,Q4_0}): random blocks in memory ({@link QuantizedCheckpoint}), the norm weights in F32.
         */
        @Param({"F32"})
        public String type;

        Backend compute;
        Path file;
        LanguageModel loaded;
        LanguageModel.Session session;

        /** Writes the checkpoint, loads it and opens a session. */
        final void open() throws IOException {
            if (model.equals(EMBEDDED)) {
                checkArgument(type.equals("F32"), "the embedded model is F32, found type=%s", type);
                compute = BenchmarkBackends.open(backend, threads);
                loaded = ModelLoader.loadModel(null, compute);
                session = loaded.newSession();
                return;
            }
            LlamaConfig config = LlamaPresets.all().get("tinystories-" + model);
            checkArgument(config != null, "unknown model %s (known: %s)", model, LlamaPresets.all().keySet());
            DType dtype = DType.valueOf(type);
            if (dtype == DType.F32) {
                file = Files.createTempFile("forwardpass-bench-" + model + "-", ".bin");
                try (RandomCheckpoint<LlamaConfig> random = RandomCheckpoint.of(Llama.ARCHITECTURE, config, SEED)) {
                    Llama2cWriter.write(random, file);
                }
            }
            compute = BenchmarkBackends.open(backend, threads);
            loaded = file != null ? ModelLoader.loadModel(file, compute) : DecoderModel.load(
                    new QuantizedCheckpoint<>(RandomCheckpoint.of(Llama.ARCHITECTURE, config, SEED), dtype, SEED),
                    compute);
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

        /** Closes what a subclass allocated on the backend, before the model and the backend are closed. */
        void closeOwnTensors() {}

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            closeOwnTensors();
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
            token = prefillBeforeDecodePosition(this);
        }
    }

    /** Fills the session's positions before {@link #DECODE_POS}; returns the token to decode there. */
    static int prefillBeforeDecodePosition(ModelState s) {
        int[] context = s.tokens(DECODE_POS + 1);
        s.session.prefill(Arrays.copyOf(context, DECODE_POS), 0);
        return context[DECODE_POS];
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

    /** The model's weights and one input and output per matmul shape of a decode step. */
    public static class MatvecsState extends ModelState {
        Weights weights;
        int nLayers;
        Tensor classifier;
        Tensor xDim;      // (dim,): the input of wq, wk, wv, wGate, wUp and the classifier
        Tensor xQuery;    // (qDim,): the input of wo
        Tensor xHidden;   // (hidden,): the input of wDown
        Tensor q;         // (qDim,)
        Tensor kv;        // (kvDim,): k, then v
        Tensor dim;       // (dim,): wo's and wDown's outputs
        Tensor hidden;    // (hidden,): wGate's and wUp's outputs
        Tensor logits;    // (vocab,)
        private Arena arena;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
            Llama llama = (Llama) loaded;
            LlamaConfig c = llama.config();
            weights = llama.weights();
            nLayers = c.nLayers();
            classifier = weights.get(LlamaTensors.CLASSIFIER);
            arena = Arena.ofShared();
            xDim = RandomData.tensor(compute, arena, Shape.of(c.dim()), SEED + 1);
            xQuery = RandomData.tensor(compute, arena, Shape.of(c.qDim()), SEED + 2);
            xHidden = RandomData.tensor(compute, arena, Shape.of(c.hiddenDim()), SEED + 3);
            q = compute.allocate(Shape.of(c.qDim()));
            kv = compute.allocate(Shape.of(c.kvDim()));
            dim = compute.allocate(Shape.of(c.dim()));
            hidden = compute.allocate(Shape.of(c.hiddenDim()));
            logits = compute.allocate(Shape.of(c.vocabSize()));
            prepareSession();
        }

        /**
         * The last step of {@link #setUp}, for a subclass to use the session: JMH runs a subclass's own setup
         * methods before those it inherits, so one that needs this state ready cannot be a setup method itself.
         */
        void prepareSession() {}

        @Override
        void closeOwnTensors() {
            for (Tensor t : new Tensor[] {xDim, xQuery, xHidden, q, kv, dim, hidden, logits}) {
                if (t != null) {
                    t.close();
                }
            }
            if (arena != null) {
                arena.close();
            }
        }
    }

    /** {@link MatvecsState} with a session ready to decode at {@link #DECODE_POS}, like {@link DecodeState}. */
    public static class DecodeAndMatvecsState extends MatvecsState {
        int token;

        @Override
        void prepareSession() {
            token = prefillBeforeDecodePosition(this);
        }
    }

    /**
     * The nanoseconds of the decode steps and of the matvecs passes of {@link #decodeThenMatvecs}, and how many of
     * each, summed over one iteration: JMH reports them next to the benchmark's time (as events, not divided by it).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class SplitTimes {
        public long decodeNanos;
        public long matvecsNanos;
        public long steps;

        @Setup(Level.Iteration)
        public void reset() {
            decodeNanos = 0;
            matvecsNanos = 0;
            steps = 0;
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

    /** The matrix × vector products of one decode step, nothing else: returns the classifier's output tensor. */
    @Benchmark
    public Tensor matvecs(MatvecsState s) {
        Backend b = s.compute;
        for (int l = 0; l < s.nLayers; l++) {
            Weights.Layer layer = s.weights.layer(l);
            b.matmul(s.q, layer.get(LlamaTensors.WQ), s.xDim);
            b.matmul(s.kv, layer.get(LlamaTensors.WK), s.xDim);
            b.matmul(s.kv, layer.get(LlamaTensors.WV), s.xDim);
            b.matmul(s.dim, layer.get(LlamaTensors.WO), s.xQuery);
            b.matmul(s.hidden, layer.get(LlamaTensors.W_GATE), s.xDim);
            b.matmul(s.hidden, layer.get(LlamaTensors.W_UP), s.xDim);
            b.matmul(s.dim, layer.get(LlamaTensors.W_DOWN), s.xHidden);
        }
        b.matmul(s.logits, s.classifier, s.xDim);
        return s.logits;
    }

    /**
     * A decode step, then the matrix × vector products of one ({@link #matvecs}), each timed: decodeNanos ÷
     * matvecsNanos of {@link SplitTimes} is what the backend adds around its matmuls, measured under the same load.
     * Every op of both backends returns when its result is written, so a step's time ends with its last op.
     */
    @Benchmark
    public Tensor decodeThenMatvecs(DecodeAndMatvecsState s, SplitTimes times) {
        long start = System.nanoTime();
        s.session.forward(s.token, DECODE_POS);
        long decoded = System.nanoTime();
        Tensor logits = matvecs(s);
        long end = System.nanoTime();
        times.decodeNanos += decoded - start;
        times.matvecsNanos += end - decoded;
        times.steps++;
        return logits;
    }
}
