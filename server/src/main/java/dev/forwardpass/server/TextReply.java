package dev.forwardpass.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.FinishReason;
import dev.forwardpass.models.text.TokenLogprob;
import dev.forwardpass.models.text.TokenLogprobs;
import java.util.List;

/**
 * The answers of {@code /v1/completions}: {@code text_completion} objects, whose {@code logprobs} are the legacy
 * columns ({@code tokens}, {@code token_logprobs}, {@code top_logprobs} as token-to-logprob maps, {@code text_offset}).
 */
final class TextReply extends Reply {
    /** Characters of generated text so far: where the next token's text starts ({@code text_offset}). */
    private int textOffset;

    TextReply(String model, boolean logprobs) {
        super("cmpl-", model, "text_completion", logprobs);
    }

    @Override
    ObjectNode opening() {
        return null;
    }

    @Override
    ObjectNode chunk(String text, TokenLogprobs tokenLogprobs) {
        return chunkOf(choice -> {
            choice.put("text", text);
            if (tokenLogprobs != null) {
                add(columns(choice.putObject("logprobs")), tokenLogprobs);
            } else {
                choice.putNull("logprobs");
            }
            choice.putNull("finish_reason");
        });
    }

    @Override
    ObjectNode closing(FinishReason reason) {
        return chunkOf(choice -> {
            choice.put("text", "");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(reason));
        });
    }

    @Override
    ObjectNode whole(Completion completion, List<TokenLogprobs> tokenLogprobs) {
        ObjectNode response = envelope("text_completion");
        ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
        choice.put("text", completion.text());
        if (logprobs) {
            Columns columns = columns(choice.putObject("logprobs"));
            for (TokenLogprobs token : tokenLogprobs) {
                add(columns, token);
            }
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason(completion.finishReason()));
        response.set("usage", usage(completion));
        return response;
    }

    /** The four arrays of a legacy logprobs object, one entry a token in each. */
    private record Columns(ArrayNode tokens, ArrayNode tokenLogprobs, ArrayNode topLogprobs, ArrayNode textOffset) {}

    private static Columns columns(ObjectNode logprobs) {
        return new Columns(logprobs.putArray("tokens"), logprobs.putArray("token_logprobs"),
                logprobs.putArray("top_logprobs"), logprobs.putArray("text_offset"));
    }

    /** Adds one token to each column. */
    private void add(Columns columns, TokenLogprobs token) {
        String text = token.sampled().text();
        columns.tokens().add(text);
        columns.tokenLogprobs().add(token.sampled().logprob());
        ObjectNode top = columns.topLogprobs().addObject();
        for (TokenLogprob alternative : token.top()) {
            top.put(alternative.text(), alternative.logprob());
        }
        columns.textOffset().add(textOffset);
        textOffset += text.length();
    }
}
