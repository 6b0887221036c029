package dev.forwardpass.models.decoder;

import static dev.forwardpass.models.sampling.Sampler.argmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel.Session;
import dev.forwardpass.models.gpt2.Gpt2;
import dev.forwardpass.models.gpt2.Gpt2Config;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sessions decoded together, one forward pass per step ({@link LanguageModel#decode}), get the logits each gets decoded
 * alone, on every backend and for every family: the embedded stories260K (Llama) and a random GPT-2.
 */
class BatchedDecodeTest {
    /** A small GPT-2 with a context long enough for the longest prompt and every step. */
    private static final Gpt2Config GPT2 = new Gpt2Config(64, 256, 2, 4, 300, 96, 96, 1e-5f);
    private static final int STEPS = 20;
    /** Prompt lengths: every session starts its decoding at another position. */
    private static final int[] PROMPT_LENGTHS = {1, 5, 12, 30};

    static Stream<Arguments> modelsAndBackends() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : new String[] {"stories260K", "gpt2"}) {
            for (String backend : new String[] {"java", "scalar", "djl"}) {
                cases.add(Arguments.of(model, backend));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelsAndBackends")
    void sessionsDecodedTogetherGetTheLogitsTheyGetAlone(String modelName, String backendName) throws IOException {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(2));
                LanguageModel model = load(modelName, backend)) {
            int[][] prompts = prompts(model);
            Decoding[] alone = decodedAlone(model, prompts);
            // every session in every step
            boolean[][] active = new boolean[STEPS][prompts.length];
            for (boolean[] step : active) {
                Arrays.fill(step, true);
            }
            assertBatchedDecodingMatches(model, prompts, alone, active, tolerance(backendName));
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelsAndBackends")
    void sessionsMayJoinAndLeaveTheBatchBetweenSteps(String modelName, String backendName) throws IOException {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(2));
                LanguageModel model = load(modelName, backend)) {
            int[][] prompts = prompts(model);
            Decoding[] alone = decodedAlone(model, prompts);
            // 2 alone at first; 0 joins at step 2, 1 at step 3, 3 at step 5; 2 leaves after step 8 and comes back at
            // step 14; each leaves after its last step: batches of 1 to 4, rows in a new order at every change
            boolean[][] active = new boolean[STEPS + 5][prompts.length];
            for (int step = 0; step < active.length; step++) {
                active[step][0] = step >= 2 && step < STEPS + 2;
                active[step][1] = step >= 3 && step < STEPS + 3;
                active[step][2] = step <= 8 || step >= 14;
                active[step][3] = step >= 5;
            }
            assertBatchedDecodingMatches(model, prompts, alone, active, tolerance(backendName));
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelsAndBackends")
    void aBatchOfOneIsForward(String modelName, String backendName) throws IOException {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(2));
                LanguageModel model = load(modelName, backend);
                Session forward = model.newSession();
                Session batched = model.newSession()) {
            int[] tokens = new SplittableRandom(3).ints(STEPS, 1, model.vocabSize()).toArray();
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] expected = forward.forward(tokens[pos], pos).clone();
                float[][] actual = new float[1][];
                model.decode(List.of(batched), new int[] {tokens[pos]}, new int[] {pos},
                        (row, logits) -> actual[row] = logits.clone());
                assertArrayEquals(expected, actual[0], "position " + pos);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelsAndBackends")
    void refusesWhatIsNotABatch(String modelName, String backendName) throws IOException {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(2));
                LanguageModel model = load(modelName, backend);
                LanguageModel other = load(modelName, backend);
                Session a = model.newSession();
                Session b = model.newSession();
                Session closed = model.newSession();
                Session foreign = other.newSession()) {
            LanguageModel.LogitsSink ignore = (row, logits) -> { };
            int seqLen = model.seqLen();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(a, b, a), new int[] {1, 2, 3}, new int[] {0, 0, 0}, ignore));
            assertEquals("a session decodes one token per step: rows 0 and 2 are the same session", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(a, b), new int[] {1, 2}, new int[] {0, seqLen}, ignore));
            assertEquals("positions " + seqLen + ".." + seqLen + " are outside the context of " + seqLen + " tokens",
                    e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(a, b), new int[] {1, 2}, new int[] {-1, 0}, ignore), "a negative position");
            assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(a, b), new int[] {1, model.vocabSize()}, new int[] {0, 0}, ignore),
                    "a token outside the vocabulary");
            assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(a, b), new int[] {1}, new int[] {0, 0}, ignore), "a token short");
            assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(), new int[0], new int[0], ignore), "no session");
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.decode(List.of(a, foreign), new int[] {1, 2}, new int[] {0, 0}, ignore));
            assertEquals("the session of row 1 is not a session of this model", e.getMessage());

            closed.close();
            IllegalStateException s = assertThrows(IllegalStateException.class,
                    () -> model.decode(List.of(a, b, closed), new int[] {1, 2, 3}, new int[] {0, 0, 0}, ignore));
            assertEquals("the session is closed", s.getMessage());
            // a session in use by another call (here: the sink of the step it is in) is refused too
            s = assertThrows(IllegalStateException.class, () -> model.decode(List.of(a), new int[] {1}, new int[] {0},
                    (row, logits) -> a.forward(1, 0)));
            assertTrue(s.getMessage().startsWith("a session is used by one thread at a time"), s.getMessage());
            s = assertThrows(IllegalStateException.class, () -> model.decode(List.of(a, b), new int[] {1, 2},
                    new int[] {0, 0}, (row, logits) -> b.forward(1, 0)));
            assertTrue(s.getMessage().startsWith("a session is used by one thread at a time"), s.getMessage());

            // a refused step claimed nothing for good: both sessions decode on
            int[] rows = new int[2];
            model.decode(List.of(a, b), new int[] {1, 2}, new int[] {0, 0}, (row, logits) -> rows[row]++);
            a.forward(3, 1);
            assertArrayEquals(new int[] {1, 1}, rows);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // helpers

    /** One session's greedy decoding after its prompt: the logits of each step and the token chosen from them. */
    private record Decoding(float[][] logits, int[] tokens) {}

    private static LanguageModel load(String name, Backend backend) throws IOException {
        return name.equals("gpt2")
                ? DecoderModel.load(RandomCheckpoint.of(Gpt2.ARCHITECTURE, GPT2, 17), backend)
                : ModelLoader.loadModel(null, backend);
    }

    /** {@return prompts of {@link #PROMPT_LENGTHS}, random tokens after a first token 1 (stories260K's BOS)} */
    private static int[][] prompts(LanguageModel model) {
        SplittableRandom random = new SplittableRandom(5);
        int[][] prompts = new int[PROMPT_LENGTHS.length][];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = random.ints(PROMPT_LENGTHS[i], 1, model.vocabSize()).toArray();
            prompts[i][0] = 1;
        }
        return prompts;
    }

    /**
     * {@return each prompt's decoding alone}: prefilled in a session of its own, then {@link #STEPS} greedy tokens
     * decoded one at a time
     */
    private static Decoding[] decodedAlone(LanguageModel model, int[][] prompts) {
        Decoding[] decodings = new Decoding[prompts.length];
        for (int i = 0; i < prompts.length; i++) {
            float[][] logits = new float[STEPS][];
            int[] tokens = new int[STEPS];
            try (Session session = model.newSession()) {
                int token = argmax(session.prefill(prompts[i], 0));
                for (int step = 0; step < STEPS; step++) {
                    logits[step] = session.forward(token, prompts[i].length + step).clone();
                    tokens[step] = token;
                    token = argmax(logits[step]);
                }
            }
            decodings[i] = new Decoding(logits, tokens);
        }
        return decodings;
    }

    /**
     * Prefills every prompt in a session of its own, then decodes in steps of the sessions {@code active} marks (each
     * session's next greedy token, in a row order that turns with the step) until each has decoded {@link #STEPS}
     * tokens, and compares every row's logits with those the session got decoded alone.
     */
    private static void assertBatchedDecodingMatches(LanguageModel model, int[][] prompts, Decoding[] alone,
                                                     boolean[][] active, double tolerance) {
        int n = prompts.length;
        List<Session> sessions = new ArrayList<>();
        try {
            int[] next = new int[n];
            int[] done = new int[n];
            for (int[] prompt : prompts) {
                Session session = model.newSession();
                sessions.add(session);
                next[sessions.size() - 1] = argmax(session.prefill(prompt, 0));
            }
            double worst = 0;
            for (int step = 0; step < active.length; step++) {
                List<Session> batch = new ArrayList<>();
                List<Integer> rowSession = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    int i = (k + step) % n; // a new row order every step
                    if (active[step][i]) {
                        batch.add(sessions.get(i));
                        rowSession.add(i);
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                int[] tokens = new int[batch.size()];
                int[] positions = new int[batch.size()];
                for (int row = 0; row < tokens.length; row++) {
                    int i = rowSession.get(row);
                    tokens[row] = next[i];
                    positions[row] = prompts[i].length + done[i];
                }
                float[][] rows = new float[tokens.length][];
                model.decode(batch, tokens, positions, (row, logits) -> rows[row] = logits.clone());
                for (int row = 0; row < tokens.length; row++) {
                    int i = rowSession.get(row);
                    assertEquals(alone[i].tokens()[done[i]], tokens[row], "session " + i + ", step " + done[i]);
                    float[] expected = alone[i].logits()[done[i]];
                    for (int v = 0; v < expected.length; v++) {
                        worst = Math.max(worst, Math.abs(expected[v] - rows[row][v]));
                    }
                    assertTrue(worst <= tolerance, "session " + i + ", step " + done[i] + " (batch of "
                            + tokens.length + ", row " + row + "): worst absolute difference " + worst);
                    next[i] = argmax(rows[row]);
                    done[i]++;
                }
            }
            assertArrayEquals(new int[] {STEPS, STEPS, STEPS, STEPS}, done, "steps decoded by each session");
        } finally {
            sessions.forEach(Session::close);
        }
    }

    /**
     * {@return the largest difference allowed between a batch's logits and one row's}: the java and scalar backends
     * compute each row of a batch exactly as a single row (0); PyTorch's matrix product of a batch sums in another
     * order than its matrix-vector product, which moves logits of size 10 in their last bits.
     */
    private static double tolerance(String backend) {
        return backend.equals("djl") ? 1e-4 : 0;
    }
}
