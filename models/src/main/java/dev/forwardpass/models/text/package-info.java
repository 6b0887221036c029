/**
 * Text in, text out: the API applications use. {@link dev.forwardpass.models.text.TextModel} loads a model with its
 * tokenizer on a backend; {@code complete} continues a prompt, blocking or streaming whole-character pieces;
 * {@link dev.forwardpass.models.text.Generation} is one run that can be streamed, run for its token ids, or cancelled
 * from another thread; {@link dev.forwardpass.models.text.GenerationParams} holds the new-token budget, stop strings and
 * sampling; {@link dev.forwardpass.models.text.Completion} is the result (text, finish reason, token counts, timings).
 */
package dev.forwardpass.models.text;
