package dev.forwardpass.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.text.TextModel;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ForwardPassStreamingChatModel} through LangChain4j's own types, against the blocking model. */
class ForwardPassStreamingChatModelTest {
    private static TextModel textModel;
    private static ChatModel blocking;
    private static StreamingChatModel streaming;

    @BeforeAll
    static void load() throws IOException {
        textModel = TestModel.load();
        blocking = ForwardPassChatModel.builder().textModel(textModel).temperature(0).maxTokens(60).build();
        streaming = ForwardPassStreamingChatModel.builder().textModel(textModel).temperature(0).maxTokens(60).build();
    }

    @AfterAll
    static void close() {
        textModel.close();
    }

    /** Records what a handler hears; {@code onPiece} may act on each piece. */
    private static final class Recorder implements StreamingChatResponseHandler {
        final List<String> pieces = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final CompletableFuture<ChatResponse> response = new CompletableFuture<>();
        final CountDownLatch firstPiece = new CountDownLatch(1);
        private final BiConsumer<String, PartialResponseContext> onPiece;

        Recorder(BiConsumer<String, PartialResponseContext> onPiece) {
            this.onPiece = onPiece;
        }

        @Override
        public void onPartialResponse(PartialResponse piece, PartialResponseContext context) {
            threads.add(Thread.currentThread());
            pieces.add(piece.text());
            firstPiece.countDown();
            onPiece.accept(piece.text(), context);
        }

        @Override
        public void onCompleteResponse(ChatResponse completeResponse) {
            threads.add(Thread.currentThread());
            response.complete(completeResponse);
        }

        @Override
        public void onError(Throwable error) {
            threads.add(Thread.currentThread());
            response.completeExceptionally(error);
        }
    }

    @Test
    void piecesJoinToTheBlockingAnswer() throws Exception {
        Recorder recorder = new Recorder((piece, context) -> {});
        streaming.chat("Tell me a story.", recorder);
        ChatResponse streamed = recorder.response.get(60, TimeUnit.SECONDS);
        ChatResponse whole = blocking.chat(UserMessage.from("Tell me a story."));
        assertEquals(whole.aiMessage().text(), String.join("", recorder.pieces));
        assertEquals(whole.aiMessage().text(), streamed.aiMessage().text());
        assertTrue(recorder.pieces.size() > 10, "one piece a token or so, found " + recorder.pieces.size());
        assertEquals(whole.tokenUsage(), streamed.tokenUsage());
        assertEquals(whole.finishReason(), streamed.finishReason());
        assertEquals(whole.modelName(), streamed.modelName());
        // the answer was made on a thread of the model's, not the caller's
        assertFalse(recorder.threads.contains(Thread.currentThread()));
        assertEquals(1, recorder.threads.stream().distinct().count());
    }

    @Test
    void theTokenBudgetEndsTheStreamWithLength() throws Exception {
        Recorder recorder = new Recorder((piece, context) -> {});
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("Tell me a story.")).maxOutputTokens(7).build(),
                recorder);
        ChatResponse response = recorder.response.get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.LENGTH, response.finishReason());
        assertEquals(7, response.tokenUsage().outputTokenCount());
    }

    @Test
    void afterCancelTheHandlerHearsNothingMore() throws Exception {
        Recorder recorder = new Recorder((piece, context) -> context.streamingHandle().cancel());
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("Tell me a long story."))
                .maxOutputTokens(400).build(), recorder);
        assertTrue(recorder.firstPiece.await(60, TimeUnit.SECONDS));
        // uncancelled, the embedded model makes hundreds of tokens in this time
        Thread.sleep(500);
        assertEquals(1, recorder.pieces.size(), recorder.pieces.toString());
        assertFalse(recorder.response.isDone());
    }

    @Test
    void aFailingHandlerEndsTheGenerationAndHearsOfItOnce() throws Exception {
        IllegalStateException failure = new IllegalStateException("the handler broke");
        Recorder recorder = new Recorder((piece, context) -> {
            throw failure;
        });
        streaming.chat("Tell me a story.", recorder);
        Exception error = assertThrows(Exception.class, () -> recorder.response.get(60, TimeUnit.SECONDS));
        assertSame(failure, error.getCause());
        assertEquals(1, recorder.pieces.size());
        assertEquals(2, recorder.threads.size()); // the piece and the error
        assertNotEquals(Thread.currentThread(), recorder.threads.getFirst());
    }

    @Test
    void aRefusedRequestThrowsOnTheCallersThread() {
        Recorder recorder = new Recorder((piece, context) -> {});
        UserMessage withImage = UserMessage.from(TextContent.from("What is on this picture?"),
                ImageContent.from("https://example.com/cat.png"));
        UnsupportedFeatureException refusal = assertThrows(UnsupportedFeatureException.class,
                () -> streaming.chat(List.of(withImage), recorder));
        assertTrue(refusal.getMessage().startsWith("ForwardPass does not support image content"),
                refusal.getMessage());
        assertTrue(recorder.threads.isEmpty());
    }
}
