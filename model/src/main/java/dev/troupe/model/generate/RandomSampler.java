package dev.troupe.model.generate;

import dev.troupe.model.layers.Ops;
import dev.troupe.tensor.SeededRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Temperature, then top-k, then top-p (each only when set, as transformers adds its warpers), then
 * one multinomial draw from the softmax with a seeded generator.
 */
public final class RandomSampler implements TokenSampler {
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SeededRandom random;

    /**
     * @param temperature > 0
     * @param topK 0 for no top-k
     * @param topP 1 for no top-p
     * @param random generator on the device the scores live on
     */
    public RandomSampler(double temperature, int topK, double topP, SeededRandom random) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException(
                    "temperature must be > 0 for sampling, got " + temperature);
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = random;
    }

    @Override
    public Tensor sample(Tensor scores) {
        Tensor s = scores;
        if (temperature != 1.0) {
            s = LogitsProcessors.temperature(s, temperature);
        }
        if (topK > 0) {
            s = LogitsProcessors.topK(s, topK);
        }
        if (topP < 1.0) {
            s = LogitsProcessors.topP(s, topP);
        }
        Tensor probs = torch.softmax(s, -1);
        return torch.multinomial(probs, 1, false, random.optional()).squeeze(1);
    }

    @Override
    public Tensor logProbs(Tensor scores, Tensor tokens) {
        Tensor s = temperature != 1.0 ? LogitsProcessors.temperature(scores, temperature) : scores;
        return Ops.logSoftmaxF32(s, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
    }
}
