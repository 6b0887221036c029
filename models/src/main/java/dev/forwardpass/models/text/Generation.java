package dev.forwardpass.models.text;

import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.TokenSampler;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One continuation of one prompt, run once: by {@link #run(Consumer)} (blocking, text pieces to a callback), by
 * {@link #run(StepListener)} (text pieces with the log-probabilities {@link GenerationParams#logprobs()} asks for), by
 * {@link #stream()} (pieces pulled one at a time), or by {@link #runTokens(TokenConsumer)} (token ids). Pieces are
 * always whole characters; the prompt is not repeated; stop tokens and stop strings are not part of the text.
 *
 * <p>A generation is driven by one thread; {@link #cancel()} may be called from any thread, and ends it before its
 * next forward pass. It holds a session of the model (activations and a KV cache) while it runs, and releases it
 * when it ends or is closed.
 */
public final class Generation implements AutoCloseable {
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final int[] promptTokens;
    private final GenerationParams params;
    private final IntPredicate stopToken;
    private final TokenTextStream text;
    private final StopStrings stopStrings;
    private final StringBuilder generated = new StringBuilder();
    private volatile boolean cancelled;
    private TokenConsumer tokenSink;
    /** The log-probabilities of the token the last step generated, when they are asked for (else null). */
    private TokenLogprobs stepLogprobs;
    /** When log-probabilities are asked for: a step's logits as the model gave them, kept from the sampler. */
    private final float[] modelLogits;

    private boolean started;
    private LanguageModel.Session session;
    private TokenSampler sampler;
    /** The last token of the sequence (the prompt's last before any is sampled), and its position. */
    private int lastToken;
    private int lastPosition;
    /** How many prompt tokens have run. */
    private int prefilled;
    private int sampled;
    private int decodeSteps;
    private long startNanos;
    private long firstTokenNanos;
    private long endNanos;
    private FinishReason finishReason;

    Generation(LanguageModel model, Tokenizer tokenizer, int[] promptTokens, GenerationParams params,
            IntPredicate stopToken) {
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("the prompt encodes to no tokens; need at least one");
        }
        if (promptTokens.length > model.seqLen()) {
            throw new PromptTooLongException(promptTokens.length, model.seqLen());
        }
        for (int token : promptTokens) {
            if (token < 0 || token >= model.vocabSize()) {
                throw new IllegalArgumentException("prompt token " + token + " is outside the vocabulary of "
                        + model.vocabSize());
            }
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.promptTokens = promptTokens.clone();
        this.params = params;
        this.stopToken = stopToken;
        this.text = new TokenTextStream(tokenizer);
        this.stopStrings = new StopStrings(params.stop());
        // made here, so that a bad parameter (a logit bias outside the vocabulary) is refused before anything runs
        this.sampler = params.sampling().newSampler(model.vocabSize());
        this.modelLogits = params.logprobs() == GenerationParams.NO_LOGPROBS ? null : new float[model.vocabSize()];
    }

    /** Ends the generation before its next forward pass, with {@link FinishReason#CANCELLED}; from any thread. */
    public void cancel() {
        cancelled = true;
    }

    /** Runs to the end, handing each piece of text to {@code onText} as soon as it is known; {@return the result} */
    public Completion run(Consumer<String> onText) {
        return run((text, logprobs) -> {
            if (!text.isEmpty()) {
                onText.accept(text);
            }
        });
    }

    /** Receives each step of a generation that made text or log-probabilities. */
    @FunctionalInterface
    public interface StepListener {
        /**
         * @param text the whole characters the step completed, possibly ""; the texts of all steps make the result
         * @param logprobs the generated token's log-probabilities, or null when {@link GenerationParams#logprobs()} is
         *     {@link GenerationParams#NO_LOGPROBS} or the step generated no token (it ended the generation)
         */
        void accept(String text, TokenLogprobs logprobs);
    }

    /** Runs to the end, handing each step's text and log-probabilities to {@code onStep}; {@return the result} */
    public Completion run(StepListener onStep) {
        try (this) {
            for (String piece; (piece = step()) != null; ) {
                TokenLogprobs logprobs = takeStepLogprobs();
                if (!piece.isEmpty() || logprobs != null) {
                    onStep.accept(piece, logprobs);
                }
            }
            return completion();
        }
    }

    /** Receives each sampled token that is not a stop token, with the one before it (to decode it in context). */
    @FunctionalInterface
    public interface TokenConsumer {
        void accept(int previous, int token);
    }

    /** Runs to the end, handing each sampled token (a stop token excepted) to {@code onToken}; {@return the result} */
    public Completion runTokens(TokenConsumer onToken) {
        tokenSink = onToken;
        try (this) {
            while (step() != null) {
                // the tokens went to onToken
            }
            return completion();
        }
    }

    /**
     * {@return the pieces of text, computed as they are pulled} Close the stream (try-with-resources) to end the
     * generation early; it is closed by itself once the last piece has been pulled.
     */
    public Stream<String> stream() {
        Iterator<String> pieces = new Iterator<>() {
            private String nextPiece;

            @Override
            public boolean hasNext() {
                while (nextPiece == null || nextPiece.isEmpty()) {
                    nextPiece = step();
                    if (nextPiece == null) {
                        close();
                        return false;
                    }
                }
                return true;
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                String piece = nextPiece;
                nextPiece = null;
                return piece;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pieces, Spliterator.ORDERED), false)
                .onClose(this::close);
    }

    /** {@return the result} once the generation has ended */
    public Completion completion() {
        if (finishReason == null) {
            throw new IllegalStateException("the generation has not ended");
        }
        return new Completion(generated.toString(), finishReason, promptTokens.length, sampled,
                Duration.ofNanos(firstTokenNanos - startNanos), Duration.ofNanos(endNanos - firstTokenNanos),
                decodeSteps);
    }

    /** Ends the generation (as cancelled if it was still running) and releases its session. */
    @Override
    public void close() {
        if (started && finishReason == null) {
            end(FinishReason.CANCELLED);
        }
        releaseSession();
    }

    /** Runs one step: {@return the text it completed} ("" if none yet), or null once the generation has ended */
    private String step() {
        if (finishReason != null) {
            return null;
        }
        if (cancelled) {
            return end(FinishReason.CANCELLED);
        }
        return take(sampled == 0 ? begin() : forwardLastToken());
    }

    /**
     * Samples the next token from {@code logits} (the model's after {@link #lastToken} at {@link #lastPosition}), and
     * ends the generation if it is a stop token, completes a stop string or uses up the budget or the context;
     * {@return the text it completed}
     */
    private String take(float[] logits) {
        // the model's logits, kept before the sampler overwrites them
        if (modelLogits != null) {
            System.arraycopy(logits, 0, modelLogits, 0, modelLogits.length);
        }
        int token = sampler.sample(logits);
        sampled++;
        if (sampled == 1) {
            firstTokenNanos = System.nanoTime();
        }
        if (stopToken.test(token)) {
            return end(FinishReason.STOP);
        }
        sampler.accept(token);
        if (modelLogits != null) {
            stepLogprobs = TokenLogprobs.of(modelLogits, tokenizer, lastToken, token, params.logprobs());
        }
        if (tokenSink != null) {
            tokenSink.accept(lastToken, token);
        }
        String piece = stopStrings.feed(text.next(lastToken, token));
        generated.append(piece);
        lastToken = token;
        lastPosition++;
        if (stopStrings.stopped()) {
            return piece + end(FinishReason.STOP);
        }
        // the token just sampled needs a position of its own to be run for the next one
        if (sampled == params.maxTokens() || lastPosition >= model.seqLen()) {
            return piece + end(FinishReason.LENGTH);
        }
        return piece;
    }

    // The steps of a generation that a GenerationBatch drives, its decode steps batched with others'.

    /**
     * Opens the session and runs the first chunk of the prompt ({@link #prefillChunk}), or ends at once if cancelled;
     * {@return the text it made}
     */
    String startInBatch() {
        if (cancelled) {
            return end(FinishReason.CANCELLED);
        }
        open();
        return prefillChunk();
    }

    /** {@return whether its prompt has tokens still to run} (false once it has ended) */
    boolean prefilling() {
        return started && finishReason == null && prefilled < promptTokens.length;
    }

    /**
     * Runs the next {@link LanguageModel#PREFILL_CHUNK} tokens of the prompt at most (the batches a whole prefill
     * runs, so the same bits), and samples the first token after the last of them; {@return the text it made}: ""
     * while the prompt has tokens left
     */
    String prefillChunk() {
        int to = Math.min(promptTokens.length, prefilled + LanguageModel.PREFILL_CHUNK);
        float[] logits = session.prefill(Arrays.copyOfRange(promptTokens, prefilled, to), prefilled);
        prefilled = to;
        return prefilled < promptTokens.length ? "" : take(logits);
    }

    /** {@return whether it has ended} */
    boolean ended() {
        return finishReason != null;
    }

    /** Ends it if it was cancelled; {@return the text still held back then}, or null if it was not cancelled */
    String endIfCancelled() {
        return cancelled && finishReason == null ? end(FinishReason.CANCELLED) : null;
    }

    /** {@return the session the next decode step runs in} */
    LanguageModel.Session session() {
        return session;
    }

    /** {@return the token the next decode step runs} */
    int lastToken() {
        return lastToken;
    }

    /** {@return the position of that token} */
    int lastPosition() {
        return lastPosition;
    }

    /** Takes the logits a batched decode step computed for {@link #lastToken}; {@return the text it made} */
    String takeDecoded(float[] logits) {
        decodeSteps++;
        return take(logits);
    }

    /** Ends it after a failure, releasing its session; {@link #ended()} is true after. */
    void abandon() {
        if (finishReason == null) {
            end(FinishReason.CANCELLED);
        } else {
            releaseSession();
        }
    }

    /** {@return the log-probabilities of the last step}, and forgets them (null if none were asked or made) */
    TokenLogprobs takeStepLogprobs() {
        TokenLogprobs logprobs = stepLogprobs;
        stepLogprobs = null;
        return logprobs;
    }

    /** Runs the prompt as one batch; {@return the logits after its last token} */
    private float[] begin() {
        open();
        prefilled = promptTokens.length;
        return session.prefill(promptTokens, 0);
    }

    /** Starts the generation: a session, and the prompt in the sampler's history (its penalties count it). */
    private void open() {
        if (started) {
            throw new IllegalStateException("a generation runs once");
        }
        started = true;
        startNanos = System.nanoTime();
        session = model.newSession();
        for (int token : promptTokens) {
            sampler.accept(token);
        }
        lastToken = promptTokens[promptTokens.length - 1];
        lastPosition = promptTokens.length - 1;
    }

    private float[] forwardLastToken() {
        decodeSteps++;
        return session.forward(lastToken, lastPosition);
    }

    /** Ends with {@code reason}; {@return the text still held back, which ends the result} */
    private String end(FinishReason reason) {
        endNanos = System.nanoTime();
        startNanos = startNanos == 0 ? endNanos : startNanos;
        firstTokenNanos = firstTokenNanos == 0 ? endNanos : firstTokenNanos;
        String rest = stopStrings.stopped() ? "" : stopStrings.feed(text.finish()) + stopStrings.finish();
        generated.append(rest);
        // the bytes still waiting may complete a stop string
        finishReason = stopStrings.stopped() ? FinishReason.STOP : reason;
        releaseSession();
        return rest;
    }

    private void releaseSession() {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
