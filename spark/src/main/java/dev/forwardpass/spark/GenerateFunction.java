package dev.forwardpass.spark;

import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * {@code generated_text} and {@code finish_reason} ({@code stop} or {@code length}) of a prompt, sampled with
 * {@code params} and a seed of the row's own: {@link #rowSeed} of the parameters' seed and the prompt. A task that
 * is run again (a retry, a speculative copy) therefore writes the same text, whichever executor runs it and however
 * the rows are partitioned. An empty prompt starts from BOS; a prompt longer than the context is refused.
 */
record GenerateFunction(GenerationParams params) implements TextFunction {

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public List<StructField> columns() {
        return List.of(DataTypes.createStructField("generated_text", DataTypes.StringType, true),
                DataTypes.createStructField("finish_reason", DataTypes.StringType, true));
    }

    /** Each row's generation has its own session (the text API's), released when it ends. */
    @Override
    public Evaluator open(TextModel model) {
        return prompt -> {
            long seed = rowSeed(params.sampling().seed(), prompt);
            Completion completion = model.complete(prompt, params.withSampling(params.sampling().withSeed(seed)));
            return new Object[] {completion.text(), completion.finishReason().name().toLowerCase(Locale.ROOT)};
        };
    }

    /**
     * {@return the sampling seed of the row whose prompt is {@code prompt}}: FNV-1a over the prompt's UTF-8 bytes,
     * started from {@code base}, then SplitMix64's finalizer so that similar prompts get unrelated seeds; always > 0,
     * as xorshift needs
     */
    static long rowSeed(long base, String prompt) {
        long hash = base ^ 0xcbf29ce484222325L;
        for (byte b : prompt.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * 0x100000001b3L;
        }
        hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
        hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
        long seed = (hash ^ (hash >>> 31)) & Long.MAX_VALUE;
        return seed == 0 ? 1 : seed;
    }
}
