package dev.forwardpass.models.sampling;

// TEMPORARY (not committed): stands in for the sampling branch's record while the text API is written
public record SamplingParams(float temperature, float topP, long seed) {
    public static SamplingParams defaults() { return new SamplingParams(0.8f, 0.95f, 1); }
    public static SamplingParams greedy() { return new SamplingParams(0, 1, 1); }
    public static SamplingParams runC(float t, float p, long seed) { return new SamplingParams(t, p, seed); }
    public TokenSampler newSampler(int vocabSize) { return new Sampler(vocabSize, temperature, topP, seed); }
}
