package dev.forwardpass.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.FinishReason;
import dev.forwardpass.models.text.TokenLogprob;
import dev.forwardpass.models.text.TokenLogprobs;
import java.util.List;

/** The answers of {@code /v1/chat/completions}: {@code chat.completion} objects and their chunks. */
final class ChatReply extends Reply {
    ChatReply(String model, boolean logprobs) {
        super("chatcmpl-", model, "chat.completion.chunk", logprobs);
    }

    @Override
    ObjectNode opening() {
        return chunkOf(choice -> {
            choice.putObject("delta").put("role", "assistant").put("content", "");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
        });
    }

    @Override
    ObjectNode chunk(String text, TokenLogprobs tokenLogprobs) {
        return chunkOf(choice -> {
            choice.putObject("delta").put("content", text);
            if (tokenLogprobs != null) {
                content(choice.putObject("logprobs").putArray("content"), tokenLogprobs);
            } else {
                choice.putNull("logprobs");
            }
            choice.putNull("finish_reason");
        });
    }

    @Override
    ObjectNode closing(FinishReason reason) {
        return chunkOf(choice -> {
            choice.putObject("delta");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(reason));
        });
    }

    @Override
    ObjectNode whole(Completion completion, List<TokenLogprobs> tokenLogprobs) {
        ObjectNode response = envelope("chat.completion");
        ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", completion.text()).putNull("refusal");
        if (logprobs) {
            ObjectNode logprobsObject = choice.putObject("logprobs");
            logprobsObject.putNull("refusal");
            ArrayNode content = logprobsObject.putArray("content");
            for (TokenLogprobs token : tokenLogprobs) {
                content(content, token);
            }
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason(completion.finishReason()));
        response.set("usage", usage(completion));
        return response;
    }

    /** Adds one token's entry of {@code logprobs.content}: the sampled token and its {@code top_logprobs} */
    private static void content(ArrayNode content, TokenLogprobs token) {
        ObjectNode entry = logprob(content.addObject(), token.sampled());
        ArrayNode top = entry.putArray("top_logprobs");
        for (TokenLogprob alternative : token.top()) {
            logprob(top.addObject(), alternative);
        }
    }

    private static ObjectNode logprob(ObjectNode entry, TokenLogprob token) {
        entry.put("token", token.text()).put("logprob", token.logprob()).set("bytes", bytes(token));
        return entry;
    }
}
