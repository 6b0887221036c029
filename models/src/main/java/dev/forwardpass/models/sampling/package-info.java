/**
 * Choosing the next token from the model's logits.
 *
 * <p>{@link dev.forwardpass.models.sampling.SamplingParams} describes a chain of steps and
 * {@link dev.forwardpass.models.sampling.SamplingParams#newSampler} makes one sequence's
 * {@link dev.forwardpass.models.sampling.TokenSampler} from it. The session calls {@code accept} for every prompt
 * and generated token, and {@code sample} for each new one. The steps, with their llama.cpp names:
 * <ol>
 *   <li>{@code logit_bias}: adds a bias to the logit of each listed token; -infinity bans the token.</li>
 *   <li>penalties, over the last {@code penalty_last_n} accepted tokens (-1: all of them; 0: off). The logit of a
 *       token seen {@code count} times is divided by {@code repeat_penalty} if positive, multiplied by it if not,
 *       then lowered by {@code count * frequency_penalty + presence_penalty}.</li>
 *   <li>{@code top_k}: keeps the k largest logits (0: off).</li>
 *   <li>{@code top_p}: keeps the most likely tokens until their cumulative probability reaches p (1: off).</li>
 *   <li>{@code min_p}: keeps the tokens with probability at least {@code min_p} times the largest (0: off).</li>
 *   <li>{@code temperature}: divides the logits by it before the softmax. 0 is greedy: the largest logit after bias
 *       and penalties is taken, and nothing is drawn.</li>
 *   <li>the draw: one xorshift coin per token (run.c's generator, so a seed repeats a run), multinomial over the
 *       probabilities of the tokens kept.</li>
 * </ol>
 * Two orders place temperature and top-p differently (so the same settings can give different distributions):
 * <ul>
 *   <li>{@code LLAMA_CPP}, llama.cpp's default chain: bias, penalties, top-k, top-p, min-p, temperature, draw.
 *       top-p and min-p see the untempered distribution; top-p keeps the shortest prefix whose cumulative
 *       probability is at least p. llama.cpp's DRY, top-n-sigma, typical-p and XTC steps are not built.</li>
 *   <li>{@code RUN_C}, llama2.c's run.c: bias, penalties, top-k, temperature, top-p, min-p, draw. top-p keeps the
 *       shortest prefix whose cumulative probability is more than p, and 0 turns it off as 1 does. With top-k, min-p,
 *       penalties and bias off this is {@link dev.forwardpass.models.sampling.Sampler}, run.c's sampler, draw for
 *       draw.</li>
 * </ul>
 * Ties in the logits rank by ascending token id. Sampling allocates nothing per token; logits that hold a NaN or an
 * infinity are refused with an {@link java.lang.IllegalArgumentException} naming the first one.
 */
package dev.forwardpass.models.sampling;
