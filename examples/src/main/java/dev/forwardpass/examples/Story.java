package dev.forwardpass.examples;

import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams a story to standard output; says why it ended, and how fast, on standard error.
 *
 * <p>{@code Story [BACKEND [MODEL]]}: the backend by name (default {@code java}), a model file or Hugging Face folder
 * (default the embedded stories260K). {@code -Dstory.greedy=true} takes the likeliest token each time instead of
 * sampling; {@code -Dstory.maxTokens=N} sets the length (default 200).
 */
public final class Story {
    private Story() {}

    public static void main(String[] args) throws IOException {
        String backend = args.length > 0 ? args[0] : "java";
        Path model = args.length > 1 ? Path.of(args[1]) : null; // null: the embedded stories260K
        GenerationParams params = GenerationParams.defaults()
                .withMaxTokens(Integer.getInteger("story.maxTokens", 200))
                .withSampling(Boolean.getBoolean("story.greedy") ? SamplingParams.greedy() : SamplingParams.defaults());
        try (TextModel llm = TextModel.load(TextModel.Options.defaults().withBackend(backend).withModel(model))) {
            System.out.print("Once upon a time");
            Completion story = llm.complete("Once upon a time", params, System.out::print);
            System.out.println();
            System.err.printf("(%s, %.0f tok/s)%n", story.finishReason(), story.decodeTokensPerSecond());
        }
    }
}
