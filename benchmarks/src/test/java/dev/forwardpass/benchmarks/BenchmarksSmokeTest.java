package dev.forwardpass.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each benchmark's setup, one operation and teardown directly, without JMH, on the pure-Java backends and the
 * smallest parameters: so that a change elsewhere that breaks a benchmark fails the build, not the next benchmark run.
 */
class BenchmarksSmokeTest {

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "java"})
    void matrixTimesVectorAndMatrix(String backend) {
        MatVecBenchmark matvec = new MatVecBenchmark();
        MatMulBenchmark matmul = new MatMulBenchmark();
        for (String type : new String[] {"F32", "Q4_K"}) {
            for (MatmulState state : new MatmulState[] {matvec, matmul}) {
                state.backend = backend;
                state.threads = 1;
                state.shape = "768x256";
                state.type = type;
                state.setUp();
                try {
                    if (state == matvec) {
                        matvec.matvec();
                    } else {
                        matmul.matmul();
                    }
                } finally {
                    state.tearDown();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "java"})
    void rowOpsAndAttention(String backend) {
        RowOpsBenchmark rows = new RowOpsBenchmark();
        rows.backend = backend;
        rows.n = 768;
        rows.setUp();
        rows.rmsNorm();
        rows.add();
        rows.tearDown();

        AttentionBenchmark attention = new AttentionBenchmark();
        attention.backend = backend;
        attention.threads = 2;
        attention.pos = 64;
        attention.setUp();
        attention.attention();
        attention.tearDown();

        PromptAttentionBenchmark prompt = new PromptAttentionBenchmark();
        prompt.backend = backend;
        prompt.threads = 2;
        prompt.setUp();
        prompt.attention();
        prompt.tearDown();
    }

    @Test
    void decodeAndPrefillOfThe15mModel() throws Exception {
        ForwardBenchmark forward = new ForwardBenchmark();
        ForwardBenchmark.DecodeState decode = new ForwardBenchmark.DecodeState();
        of15mModel(decode, 2);
        decode.setUp();
        try {
            assertEquals(32000, forward.decode(decode).length);
            assertTrue(Files.exists(decode.file));
        } finally {
            decode.tearDown();
        }
        assertTrue(Files.notExists(decode.file), "the checkpoint is deleted at teardown");

        ForwardBenchmark.PrefillState prefill = new ForwardBenchmark.PrefillState();
        of15mModel(prefill, 1);
        prefill.setUp();
        try {
            assertEquals(32000, forward.prefill(prefill).length);
        } finally {
            prefill.tearDown();
        }
    }

    @Test
    void decodeOfTheEmbeddedModel() throws Exception {
        ForwardBenchmark forward = new ForwardBenchmark();
        ForwardBenchmark.DecodeState decode = new ForwardBenchmark.DecodeState();
        of15mModel(decode, 1);
        decode.model = ForwardBenchmark.EMBEDDED;
        decode.setUp();
        try {
            assertEquals(512, forward.decode(decode).length, "stories260K's vocabulary");
            assertTrue(decode.file == null, "nothing written");
        } finally {
            decode.tearDown();
        }
    }

    @Test
    void decodeOfThe15mModelWithBlockWeights() throws Exception {
        ForwardBenchmark forward = new ForwardBenchmark();
        ForwardBenchmark.DecodeState decode = new ForwardBenchmark.DecodeState();
        of15mModel(decode, 2);
        decode.type = "Q8_0";
        decode.setUp();
        try {
            // 15.2M weights: 61 MB as F32, 16 MB as Q8_0 (34 bytes a block of 32)
            assertTrue(decode.loaded.weightBytes() < 17_000_000, "the matrices are blocks: " + decode.loaded.weightBytes());
            float[] logits = forward.decode(decode);
            for (float logit : logits) {
                assertTrue(Float.isFinite(logit), "finite logits from random blocks");
            }
            assertTrue(decode.file == null, "made in memory");
        } finally {
            decode.tearDown();
        }
    }

    @Test
    void aDecodeStepsMatrixTimesVectorProductsEndInTheClassifierOfTheInput() throws Exception {
        ForwardBenchmark forward = new ForwardBenchmark();
        ForwardBenchmark.MatvecsState matvecs = new ForwardBenchmark.MatvecsState();
        of15mModel(matvecs, 2);
        matvecs.setUp();
        try {
            assertEquals(6, matvecs.nLayers);
            float[] logits = new float[32000];
            matvecs.compute.copyTo(forward.matvecs(matvecs), logits);
            // the last product is the classifier (32000, 288) times the fixed input: checked on a few rows
            float[] x = new float[288];
            matvecs.compute.copyTo(matvecs.xDim, x);
            float[] classifier = new float[32000 * 288];
            matvecs.compute.copyTo(matvecs.classifier, classifier);
            for (int row : new int[] {0, 12345, 31999}) {
                double expected = 0;
                for (int j = 0; j < 288; j++) {
                    expected += (double) classifier[row * 288 + j] * x[j];
                }
                assertEquals(expected, logits[row], 1e-4, "row " + row);
            }
        } finally {
            matvecs.tearDown();
        }
        assertTrue(Files.notExists(matvecs.file), "the checkpoint is deleted at teardown");
    }

    @Test
    void decodeThenMatvecsTimesBothPartsOfEachCall() throws Exception {
        ForwardBenchmark forward = new ForwardBenchmark();
        ForwardBenchmark.DecodeAndMatvecsState state = new ForwardBenchmark.DecodeAndMatvecsState();
        of15mModel(state, 1);
        state.setUp();
        ForwardBenchmark.SplitTimes times = new ForwardBenchmark.SplitTimes();
        try {
            // setUp ended by prefilling the context, as DecodeState does, and chose the token to decode
            assertEquals(state.tokens(ForwardBenchmark.DECODE_POS + 1)[ForwardBenchmark.DECODE_POS], state.token);
            times.reset();
            for (int call = 1; call <= 2; call++) {
                assertSame(state.logits, forward.decodeThenMatvecs(state, times));
                assertEquals(call, times.steps);
            }
            assertTrue(times.decodeNanos > 0 && times.matvecsNanos > 0, "both parts are timed");
            times.reset();
            assertEquals(0, times.decodeNanos + times.matvecsNanos + times.steps, "reset for the next iteration");
        } finally {
            state.tearDown();
        }
    }

    @Test
    void batchedDecodeOfThe15mModel() throws Exception {
        BatchedDecodeBenchmark benchmark = new BatchedDecodeBenchmark();
        BatchedDecodeBenchmark.BatchState state = new BatchedDecodeBenchmark.BatchState();
        of15mModel(state, 2);
        state.batch = 3;
        state.setUp();
        BatchedDecodeBenchmark.Tokens decoded = new BatchedDecodeBenchmark.Tokens();
        try {
            // three sequences at positions DECODE_POS, +1, +2, each the token after its context
            assertArrayEquals(new int[] {ForwardBenchmark.DECODE_POS, ForwardBenchmark.DECODE_POS + 1,
                    ForwardBenchmark.DECODE_POS + 2}, state.positions);
            assertEquals(state.tokens(ForwardBenchmark.DECODE_POS + 3)[ForwardBenchmark.DECODE_POS + 2], state.tokens[2]);
            decoded.reset();
            float[] first = benchmark.decode(state, decoded);
            assertEquals(3, decoded.tokens, "a step counts a token per sequence");
            // row 0 is the step ForwardBenchmark.decode times: the same first logit
            assertEquals(state.session.forward(state.tokens[0], ForwardBenchmark.DECODE_POS)[0], first[0]);

            BatchedDecodeBenchmark.SplitTimes times = new BatchedDecodeBenchmark.SplitTimes();
            times.reset();
            assertEquals(first[0], benchmark.decodeThenSingle(state, times)[0], "the single step decodes row 0 again");
            assertTrue(times.batchNanos > 0 && times.singleNanos > 0 && times.steps == 1, "both parts are timed");
        } finally {
            state.tearDown();
        }
        assertTrue(Files.notExists(state.file), "the checkpoint is deleted at teardown");
    }

    /** Sets a ForwardBenchmark state to the 15M model on the java backend, as JMH would its parameters. */
    private static void of15mModel(ForwardBenchmark.ModelState state, int threads) {
        state.backend = "java";
        state.threads = threads;
        state.model = "15m";
        state.type = "F32";
    }

    @Test
    void memoryBandwidthSumsEveryFloat() throws Exception {
        MemoryBandwidthBenchmark bandwidth = new MemoryBandwidthBenchmark();
        bandwidth.threads = 2;
        bandwidth.setUp();
        try {
            // the floats are (i mod 1024) / 1000: 2^20 repetitions of 0 + 0.001 + ... + 1.023
            double expected = (1L << 30) / Float.BYTES / 1024.0 * (1023 * 1024 / 2.0) * 0.001;
            // float lanes round a little; a part left out would be off by half
            assertEquals(expected, bandwidth.sum(), expected * 1e-2);
        } finally {
            bandwidth.tearDown();
        }
    }
}
