package dev.forwardpass.server;

import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.TokenLogprobs;

/** What a {@link Sequence} reports: text as it is made, then exactly one end (finished or failed). */
public sealed interface SequenceEvent {
    /**
     * A step's output.
     *
     * @param text whole characters, possibly ""
     * @param logprobs the generated token's log-probabilities, or null when none were asked for
     */
    record Text(String text, TokenLogprobs logprobs) implements SequenceEvent {}

    /** The end: the whole result, with its finish reason and token counts. */
    record Finished(Completion completion) implements SequenceEvent {}

    /** The end, by an error of the model or the engine (not the client's). */
    record Failed(RuntimeException error) implements SequenceEvent {}
}
