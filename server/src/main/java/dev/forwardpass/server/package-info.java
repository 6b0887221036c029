/**
 * {@code forwardpass serve}: an OpenAI-compatible HTTP server over the text API. {@link dev.forwardpass.server.OpenAiServer}
 * maps the endpoints ({@code /v1/chat/completions}, {@code /v1/completions}, {@code /v1/models}, {@code /health},
 * {@code /metrics}, the chat page at {@code /}) onto an {@link dev.forwardpass.server.Engine}, which admits, queues
 * and steps the sequences; the HTTP layer never knows how they are stepped.
 */
package dev.forwardpass.server;
