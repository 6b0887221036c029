package dev.forwardpass.langchain4j;

import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.Generation;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;

/**
 * LangChain4j's {@link StreamingChatModel} on a ForwardPass text model: {@code chat(...)} returns at once, and the
 * answer is generated on a virtual thread of its own, each piece of text (whole characters) handed to
 * {@link StreamingChatResponseHandler#onPartialResponse}, then the whole to {@code onCompleteResponse}.
 *
 * <p>A request that cannot run (tools, non-text content, a bad parameter, a conversation longer than the context) is
 * refused on the caller's thread, by an exception from {@code chat(...)}, before anything runs. Anything thrown once
 * the generation runs, by the model or by the handler itself, ends it and goes to {@code onError}, once. The
 * {@link StreamingHandle} of {@link PartialResponseContext} cancels the generation before its next token; after
 * {@code cancel()} the handler hears nothing more.
 */
public final class ForwardPassStreamingChatModel extends ForwardPassModel implements StreamingChatModel {

    private ForwardPassStreamingChatModel(TextModelChat chat) {
        super(chat);
    }

    /** {@return a builder}: unset, the embedded stories260K on the java backend */
    public static ForwardPassModelBuilder<ForwardPassStreamingChatModel> builder() {
        return new ForwardPassModelBuilder<>(ForwardPassStreamingChatModel::new);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Generation generation = chat.newChat(request);
        Thread.ofVirtual().name("forwardpass-chat").start(() -> stream(generation, handler));
    }

    private void stream(Generation generation, StreamingChatResponseHandler handler) {
        Cancellation cancellation = new Cancellation(generation);
        PartialResponseContext context = new PartialResponseContext(cancellation);
        try {
            Completion completion = generation.run(piece -> {
                if (!cancellation.isCancelled()) {
                    handler.onPartialResponse(new PartialResponse(piece), context);
                }
            });
            if (!cancellation.isCancelled()) {
                handler.onCompleteResponse(chat.response(completion));
            }
        } catch (Throwable failure) { // the caller's thread has moved on: the handler is the only one to tell
            if (!cancellation.isCancelled()) {
                handler.onError(failure);
            }
        }
    }

    /** LangChain4j's handle on one streaming generation. */
    private static final class Cancellation implements StreamingHandle {
        private final Generation generation;
        private volatile boolean cancelled;

        Cancellation(Generation generation) {
            this.generation = generation;
        }

        @Override
        public void cancel() {
            cancelled = true;
            generation.cancel();
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }
}
