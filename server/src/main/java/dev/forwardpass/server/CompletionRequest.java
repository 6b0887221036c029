package dev.forwardpass.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A completion request as the engine needs it, read from OpenAI's JSON: a chat's messages or a text prompt, and
 * how to generate. Sampling starts from llama.cpp's defaults ({@link SamplingParams#defaults()}); each field given
 * replaces its setting, and {@code max_tokens} defaults to the rest of the context.
 *
 * @param prompt the text to continue ({@code /v1/completions}), or null for a chat
 * @param messages the conversation to answer ({@code /v1/chat/completions}), or null for a text completion
 * @param params the new-token budget, stop strings, sampling and log-probabilities
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a chunk holding the usage ({@code stream_options.include_usage})
 */
record CompletionRequest(String prompt, List<ChatMessage> messages, GenerationParams params, boolean stream,
        boolean includeUsage) {

    CompletionRequest {
        messages = messages == null ? null : List.copyOf(messages);
    }

    /** OpenAI's largest {@code top_logprobs} of a chat. */
    static final int MAX_TOP_LOGPROBS = 20;
    /** OpenAI's largest {@code logprobs} of a text completion. */
    static final int MAX_TEXT_LOGPROBS = 5;

    /** {@return the request of a {@code /v1/chat/completions} body} for a model of {@code contextLength} tokens */
    static CompletionRequest chat(JsonFields body, int contextLength) {
        List<ChatMessage> messages = body.array("messages", CompletionRequest::message);
        if (messages == null || messages.isEmpty()) {
            throw body.invalid("messages", "must be a non-empty array of messages");
        }
        boolean logprobs = Boolean.TRUE.equals(body.bool("logprobs"));
        Integer top = body.integer("top_logprobs", 0, MAX_TOP_LOGPROBS);
        if (top != null && !logprobs) {
            throw body.invalid("top_logprobs", "needs \"logprobs\": true");
        }
        int logprobCount = logprobs ? (top == null ? 0 : top) : GenerationParams.NO_LOGPROBS;
        Long maxTokens = body.integer("max_completion_tokens");
        String maxTokensField = maxTokens != null ? "max_completion_tokens" : "max_tokens";
        return new CompletionRequest(null, messages, params(body, maxTokensField, contextLength, logprobCount),
                stream(body), includeUsage(body));
    }

    /** {@return the request of a {@code /v1/completions} body} for a model of {@code contextLength} tokens */
    static CompletionRequest text(JsonFields body, int contextLength) {
        JsonNode prompt = body.node("prompt");
        if (prompt == null) {
            throw body.invalid("prompt", "is required");
        }
        String text;
        if (prompt.isTextual()) {
            text = prompt.textValue();
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).textValue();
        } else {
            throw body.invalid("prompt", "must be a string (or an array of one string)");
        }
        Integer logprobs = body.integer("logprobs", 0, MAX_TEXT_LOGPROBS);
        if (Boolean.TRUE.equals(body.bool("echo"))) {
            throw body.invalid("echo", "is not supported");
        }
        return new CompletionRequest(text, null,
                params(body, "max_tokens", contextLength, logprobs == null ? GenerationParams.NO_LOGPROBS : logprobs),
                stream(body), includeUsage(body));
    }

    /** {@return the message of one element of {@code messages}}: role and text content (a string, or text parts) */
    private static ChatMessage message(JsonFields.Element element) {
        JsonFields message = element.object();
        String role = message.string("role");
        if (role == null) {
            throw message.invalid("role", "is required");
        }
        if (role.equals("developer")) {
            role = "system"; // OpenAI's newer name for the system role
        }
        if (!ChatMessage.ROLES.contains(role)) {
            throw message.invalid("role", "must be one of system, developer, user, assistant, tool; found '" + role
                    + "'");
        }
        JsonNode content = message.node("content");
        if (content == null) {
            throw message.invalid("content", "is required");
        }
        if (content.isTextual()) {
            return new ChatMessage(role, content.textValue());
        }
        List<String> parts = message.array("content", CompletionRequest::textPart);
        if (parts == null) {
            throw message.invalid("content", "must be a string or an array of text parts");
        }
        return new ChatMessage(role, String.join("\n", parts));
    }

    /** {@return the text of a content part}, which must be of type {@code text} */
    private static String textPart(JsonFields.Element element) {
        JsonFields part = element.object();
        String type = part.string("type");
        if (!"text".equals(type)) {
            throw part.invalid("type", "only content parts of type \"text\" are supported, found " + type);
        }
        String text = part.string("text");
        if (text == null) {
            throw part.invalid("text", "is required");
        }
        return text;
    }

    private static GenerationParams params(JsonFields body, String maxTokensField, int contextLength, int logprobs) {
        Integer n = body.integer("n", 1, Integer.MAX_VALUE);
        if (n != null && n != 1) {
            throw body.invalid("n", "only 1 choice per request is supported, found " + n);
        }
        body.string("model"); // any name: the server serves one model
        Integer maxTokens = body.integer(maxTokensField, 1, Integer.MAX_VALUE);
        return new GenerationParams(maxTokens == null ? contextLength : maxTokens, stop(body), sampling(body),
                logprobs);
    }

    private static List<String> stop(JsonFields body) {
        JsonNode stop = body.node("stop");
        if (stop == null) {
            return List.of();
        }
        List<String> stops = stop.isTextual() ? List.of(stop.textValue()) : body.array("stop", JsonFields.Element::string);
        if (stops == null) {
            throw body.invalid("stop", "must be a string or an array of strings");
        }
        if (stops.stream().anyMatch(String::isEmpty)) {
            throw body.invalid("stop", "must not hold an empty string");
        }
        return stops;
    }

    private static SamplingParams sampling(JsonFields body) {
        SamplingParams s = SamplingParams.defaults();
        s = set(body, "temperature", body.number("temperature"), s, s::withTemperature);
        s = set(body, "top_p", body.number("top_p"), s, s::withTopP);
        s = set(body, "top_k", body.integer("top_k", 0, Integer.MAX_VALUE), s, s::withTopK);
        s = set(body, "min_p", body.number("min_p"), s, s::withMinP);
        s = set(body, "repeat_penalty", body.number("repeat_penalty"), s, s::withRepeatPenalty);
        s = set(body, "presence_penalty", body.number("presence_penalty"), s, s::withPresencePenalty);
        s = set(body, "frequency_penalty", body.number("frequency_penalty"), s, s::withFrequencyPenalty);
        s = set(body, "seed", body.integer("seed"), s, s::withSeed);
        return set(body, "logit_bias", logitBias(body), s, s::withLogitBias);
    }

    /** {@return {@code current} with {@code value} set by {@code with}}, or {@code current} if there is no value */
    private static <V> SamplingParams set(JsonFields body, String field, V value, SamplingParams current,
            Function<V, SamplingParams> with) {
        if (value == null) {
            return current;
        }
        try {
            return with.apply(value);
        } catch (IllegalArgumentException e) {
            throw body.invalid(field, e.getMessage());
        }
    }

    /** {@return OpenAI's {@code logit_bias}: token ids (as strings) to biases}, or null */
    private static Map<Integer, Float> logitBias(JsonFields body) {
        JsonFields bias = body.object("logit_bias");
        if (bias == null) {
            return null;
        }
        Map<Integer, Float> biases = new HashMap<>();
        for (String token : bias.names()) {
            int id;
            try {
                id = Integer.parseInt(token);
            } catch (NumberFormatException e) {
                throw bias.invalid(token, "a logit_bias key must be a token id, found '" + token + "'");
            }
            Float value = bias.number(token);
            if (value == null) {
                throw bias.invalid(token, "must be a number");
            }
            biases.put(id, value);
        }
        return biases;
    }

    private static boolean stream(JsonFields body) {
        return Boolean.TRUE.equals(body.bool("stream"));
    }

    private static boolean includeUsage(JsonFields body) {
        JsonFields options = body.object("stream_options");
        return options != null && Boolean.TRUE.equals(options.bool("include_usage"));
    }

    /** {@return whether the response reports log-probabilities} */
    boolean logprobs() {
        return params.logprobs() != GenerationParams.NO_LOGPROBS;
    }
}
