package dev.forwardpass.server;

/** The two completion endpoints: how each reads its request, submits it, and shapes its answers. */
enum Dialect {
    /** {@code /v1/chat/completions}: messages through the chat template. */
    CHAT("chat") {
        @Override
        CompletionRequest read(JsonFields body, int contextLength) {
            return CompletionRequest.chat(body, contextLength);
        }

        @Override
        Sequence submit(Engine engine, CompletionRequest request) {
            return engine.submitChat(request.messages(), request.params());
        }

        @Override
        Reply reply(String model, CompletionRequest request) {
            return new ChatReply(model, request.logprobs());
        }
    },
    /** {@code /v1/completions}: a text prompt, continued. */
    TEXT("completions") {
        @Override
        CompletionRequest read(JsonFields body, int contextLength) {
            return CompletionRequest.text(body, contextLength);
        }

        @Override
        Sequence submit(Engine engine, CompletionRequest request) {
            return engine.submitCompletion(request.prompt(), request.params());
        }

        @Override
        Reply reply(String model, CompletionRequest request) {
            return new TextReply(model, request.logprobs());
        }
    };

    private final String endpoint;

    Dialect(String endpoint) {
        this.endpoint = endpoint;
    }

    /** {@return the endpoint's name in the metrics} */
    String endpoint() {
        return endpoint;
    }

    /** {@return the field that holds the prompt} ({@code messages} or {@code prompt}) */
    String promptField() {
        return this == CHAT ? "messages" : "prompt";
    }

    abstract CompletionRequest read(JsonFields body, int contextLength);

    abstract Sequence submit(Engine engine, CompletionRequest request);

    abstract Reply reply(String model, CompletionRequest request);
}
