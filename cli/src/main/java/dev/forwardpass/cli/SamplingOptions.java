package dev.forwardpass.cli;

import dev.forwardpass.models.sampling.SamplingParams;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The sampling flags {@code generate} and {@code chat} share. Each command starts from its own defaults (run.c's for
 * {@code generate}, llama.cpp's for {@code chat}); a flag given replaces that one setting.
 */
final class SamplingOptions {
    @Option(names = {"--temperature", "-t"}, paramLabel = "T",
            description = "Sampling temperature; 0 = greedy (default: generate 1.0 as run.c, chat 0.8 as llama.cpp).")
    Float temperature;

    @Option(names = {"--top-p", "-p"}, paramLabel = "P",
            description = "Nucleus sampling threshold in [0, 1]; 1 = off (default: generate 0.9, chat 0.95).")
    Float topP;

    @Option(names = "--top-k", paramLabel = "K",
            description = "Keep the K likeliest tokens; 0 = off (default: generate 0, chat 40).")
    Integer topK;

    @Option(names = "--min-p", paramLabel = "P",
            description = "Keep tokens at least P times as likely as the likeliest; 0 = off (default: generate 0, chat 0.05).")
    Float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R",
            description = "Divide the logits of recent tokens by R (multiply negative ones); 1 = off (default).")
    Float repeatPenalty;

    @Option(names = "--presence-penalty", paramLabel = "A",
            description = "Subtract A from the logits of recent tokens, in [-2, 2]; 0 = off (default).")
    Float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "A",
            description = "Subtract A per occurrence from the logits of recent tokens, in [-2, 2]; 0 = off (default).")
    Float frequencyPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N",
            description = "How many recent tokens the penalties look at; 0 = off, -1 = all (default: 64).")
    Integer penaltyLastN;

    @Option(names = "--logit-bias", paramLabel = "ID=BIAS", split = ",",
            description = "Add BIAS to token ID's logit before sampling; -inf bans it. Repeatable or comma-separated.")
    List<String> logitBias;

    @Option(names = {"--seed", "-s"}, paramLabel = "S",
            description = "Random seed, a positive integer (default: generate the current time in seconds, as run.c; "
                    + "chat a random one).")
    Long seed;

    /** {@return {@code base} with each setting a flag gave replaced} */
    SamplingParams over(SamplingParams base) {
        SamplingParams params = base;
        if (temperature != null) {
            params = params.withTemperature(temperature);
        }
        if (topP != null) {
            params = params.withTopP(topP);
        }
        if (topK != null) {
            params = params.withTopK(topK);
        }
        if (minP != null) {
            params = params.withMinP(minP);
        }
        if (repeatPenalty != null) {
            params = params.withRepeatPenalty(repeatPenalty);
        }
        if (presencePenalty != null) {
            params = params.withPresencePenalty(presencePenalty);
        }
        if (frequencyPenalty != null) {
            params = params.withFrequencyPenalty(frequencyPenalty);
        }
        if (penaltyLastN != null) {
            params = params.withPenaltyLastN(penaltyLastN);
        }
        if (logitBias != null) {
            params = params.withLogitBias(parseLogitBias(logitBias));
        }
        if (seed != null) {
            params = params.withSeed(seed);
        }
        return params;
    }

    /** {@return the biases of {@code ID=BIAS} pairs} ({@code -inf} bans) */
    private static Map<Integer, Float> parseLogitBias(List<String> pairs) {
        Map<Integer, Float> biases = new HashMap<>();
        for (String pair : pairs) {
            int equals = pair.indexOf('=');
            try {
                if (equals < 0) {
                    throw new NumberFormatException();
                }
                String bias = pair.substring(equals + 1).strip();
                biases.put(Integer.parseInt(pair.substring(0, equals).strip()),
                        bias.equalsIgnoreCase("-inf") ? Float.NEGATIVE_INFINITY : Float.parseFloat(bias));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--logit-bias takes ID=BIAS (e.g. 13=-2.5 or 2=-inf), found '"
                        + pair + "'");
            }
        }
        return biases;
    }
}
