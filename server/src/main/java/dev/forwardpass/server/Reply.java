package dev.forwardpass.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.FinishReason;
import dev.forwardpass.models.text.TokenLogprob;
import dev.forwardpass.models.text.TokenLogprobs;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The JSON answers to one request, in its endpoint's shape: the whole response of a blocking request, or the chunks
 * of a stream (an opening one, one a step, a closing one with the finish reason, and the usage if asked).
 */
abstract sealed class Reply permits ChatReply, TextReply {
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private final String model;
    private final String chunkObject;
    /** Whether the request asked for log-probabilities. */
    protected final boolean logprobs;

    protected Reply(String idPrefix, String model, String chunkObject, boolean logprobs) {
        this.id = idPrefix + UUID.randomUUID().toString().replace("-", "");
        this.model = model;
        this.chunkObject = chunkObject;
        this.logprobs = logprobs;
    }

    /** {@return the first chunk of a stream}, or null if the endpoint has none */
    abstract ObjectNode opening();

    /** {@return the chunk of one step}: its text and, if asked for, its token's log-probabilities (else null) */
    abstract ObjectNode chunk(String text, TokenLogprobs tokenLogprobs);

    /** {@return the last chunk of a stream}, which tells why it ended */
    abstract ObjectNode closing(FinishReason reason);

    /** {@return the response of a blocking request} */
    abstract ObjectNode whole(Completion completion, List<TokenLogprobs> tokenLogprobs);

    /** {@return the chunk after the last one that holds the usage} ({@code stream_options.include_usage}) */
    final ObjectNode usageChunk(Completion completion) {
        ObjectNode chunk = envelope(chunkObject);
        chunk.putArray("choices");
        chunk.set("usage", usage(completion));
        return chunk;
    }

    /** {@return a chunk whose one choice {@code fill} completes} */
    protected final ObjectNode chunkOf(Consumer<ObjectNode> fill) {
        ObjectNode chunk = envelope(chunkObject);
        fill.accept(chunk.putArray("choices").addObject().put("index", 0));
        return chunk;
    }

    /** {@return an object with the fields every answer starts with} */
    protected final ObjectNode envelope(String object) {
        return JsonNodeFactory.instance.objectNode()
                .put("id", id)
                .put("object", object)
                .put("created", created)
                .put("model", model);
    }

    /** {@return OpenAI's usage block} */
    protected static ObjectNode usage(Completion completion) {
        return JsonNodeFactory.instance.objectNode()
                .put("prompt_tokens", completion.promptTokens())
                .put("completion_tokens", completion.completionTokens())
                .put("total_tokens", completion.promptTokens() + completion.completionTokens());
    }

    /** {@return OpenAI's finish_reason}; a cancelled sequence has none, its client being gone or refused */
    protected static String finishReason(FinishReason reason) {
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> throw new IllegalStateException("a cancelled sequence is not answered");
        };
    }

    /** {@return the token's UTF-8 bytes as OpenAI lists them (integers)} */
    protected static ArrayNode bytes(TokenLogprob token) {
        ArrayNode bytes = JsonNodeFactory.instance.arrayNode();
        for (byte b : token.bytes()) {
            bytes.add(Byte.toUnsignedInt(b));
        }
        return bytes;
    }
}
