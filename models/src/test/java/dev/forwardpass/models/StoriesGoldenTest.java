package dev.forwardpass.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.sampling.Sampler;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The embedded stories260K model against llama2.c's documented outputs (its test_all.py and stories260K notes):
 * the whole forward pass, tokenizer and sampler, end to end, on every backend of this module and thread count.
 */
class StoriesGoldenTest {
    /** ../shared/models/README.md: run.c, temperature 0, 200 steps, no prompt. */
    static final String GREEDY_200 = """
            Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.
            Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. She said, "I want to play with your ball, but I can't find it."
            Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
            Lily didn't want to help her mom, so she""";

    /** llama2.c's doc/stories260K.md: {@code ./run stories260K.bin -z tok512.bin -t 1.0 -p 0.9 -s 133742}. */
    static final String SAMPLED_SEED_133742 = """
            Once upon a time, there was a little boy named Timmy. Timmy loved to play with his toys and eat sandwiches. One day, Timmy's mom told him it was time to rest for a while. Timmy's friend Billy came over and took him a down.
            Timmy's mom saw that Timmy was sad, but Timmy said, "I didn't understand what is it! We need to find some leafs." Timmy thought about it and took a deep breath on a spoon. He hoped it was important to be kind and continued to find its image next time.
            After they finished getting, Timmy's dad came up to his house and promised to help Timmy.""";

    @ParameterizedTest(name = "{0} backend, {1} threads")
    @CsvSource({"java, 1", "java, 2", "scalar, 1"})
    void greedyStoryMatchesRunC(String backendName, int threads) throws IOException {
        assertEquals(GREEDY_200, generate(backendName, threads, "", 200, 0f, 0.9f, 1));
    }

    @ParameterizedTest(name = "{0} backend, {1} threads")
    @CsvSource({"java, 1", "java, 2", "scalar, 1"})
    void seededTopPSampleMatchesRunC(String backendName, int threads) throws IOException {
        assertEquals(SAMPLED_SEED_133742, generate(backendName, threads, "", 256, 1.0f, 0.9f, 133742));
    }

    @ParameterizedTest(name = "{0} backend")
    @CsvSource({"java", "scalar"})
    void aPromptIsEncodedAsTheModelWouldHaveWrittenIt(String backendName) throws IOException {
        // the greedy story's own tokens, re-encoded from its text, are the tokens the model generated
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(1));
                LanguageModel model = ModelLoader.loadModel(null, backend);
                LanguageModel.Session session = model.newSession()) {
            Tokenizer tokenizer = ModelLoader.loadTokenizer(null, null, model);
            List<Integer> generated = new ArrayList<>();
            generated.add(1);
            Sampler greedy = new Sampler(model.vocabSize(), 0f, 0.9f, 1);
            int token = 1;
            for (int pos = 0; pos < 12; pos++) {
                token = greedy.sample(session.forward(token, pos));
                generated.add(token);
            }
            int[] expected = generated.stream().mapToInt(Integer::intValue).toArray();
            String text = decode(tokenizer, expected);
            assertTrue(text.startsWith("Once upon a time, there was"), text);
            assertArrayEquals(expected, tokenizer.encode(text));
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @CsvSource({"java", "scalar"})
    void aPromptIsPrintedThenContinued(String backendName) throws IOException {
        String story = generate(backendName, 1, "Once upon a time, there was a little girl named Lily.", 200, 0f, 0.9f, 1);
        // the forced prompt steers the model onto the same greedy path as from BOS
        assertEquals(GREEDY_200, story);
    }

    static String generate(String backendName, int threads, String prompt, int steps, float temperature, float topP,
            long seed) throws IOException {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(threads));
                LanguageModel model = ModelLoader.loadModel(null, backend);
                LanguageModel.Session session = model.newSession()) {
            Tokenizer tokenizer = ModelLoader.loadTokenizer(null, null, model);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Generator.generate(session, model.seqLen(), tokenizer, prompt, steps,
                    new Sampler(model.vocabSize(), temperature, topP, seed), out::writeBytes);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    static String decode(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            out.writeBytes(tokenizer.decode(ids[i - 1], ids[i]));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
