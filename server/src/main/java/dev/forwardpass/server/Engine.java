package dev.forwardpass.server;

import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.text.GenerationParams;
import java.time.Duration;
import java.util.List;

/**
 * Runs the server's sequences: admits a request (or refuses it when full), queues it, steps it, and hands its events
 * to a {@link Sequence}. How the sequences share the model (a thread each, or one batched forward pass per step) is
 * the engine's business alone.
 */
public interface Engine {
    /**
     * {@return a running (or queued) continuation of {@code prompt}}
     *
     * @throws EngineBusyException if every running slot and queue place is taken, or the engine is shutting down
     * @throws dev.forwardpass.models.text.PromptTooLongException if the prompt does not fit in the context
     * @throws IllegalArgumentException if a parameter does not fit the model (a logit bias outside the vocabulary)
     */
    Sequence submitCompletion(String prompt, GenerationParams params);

    /**
     * {@return a running (or queued) answer to {@code messages}}, through the model's chat template
     *
     * @throws EngineBusyException if every running slot and queue place is taken, or the engine is shutting down
     * @throws dev.forwardpass.models.chat.ChatTemplateException if the model has no chat template, or it refuses the
     *     conversation
     * @throws dev.forwardpass.models.text.PromptTooLongException if the conversation does not fit in the context
     */
    Sequence submitChat(List<ChatMessage> messages, GenerationParams params);

    /** {@return the sequences being stepped now} */
    int activeSequences();

    /** {@return the sequences admitted but waiting for a slot} */
    int queuedSequences();

    /**
     * Refuses new sequences, lets the admitted ones finish for up to {@code deadline}, then cancels the rest and
     * waits for them to end.
     */
    void shutdown(Duration deadline) throws InterruptedException;
}
