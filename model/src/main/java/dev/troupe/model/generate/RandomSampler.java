package dev.troupe.model.generate;

import dev.troupe.model.layers.Ops;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
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
        Tensor s = fp32(scores);
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
        Tensor s =
                temperature != 1.0
                        ? LogitsProcessors.temperature(fp32(scores), temperature)
                        : scores;
        return Ops.logSoftmaxF32(s, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
    }

    /**
     * Without top-k or top-p the sampling distribution is the log-prob one, so both come from one
     * softmax: the draw is {@code torch.multinomial}'s own for one sample ({@code argmax(p / q)},
     * {@code q ~ Exp(1)} from the same generator: the same tokens for the same seed) without its
     * validity checks, which read the probabilities three more times and wait on the host twice per
     * step; the log-prob is {@code log p} of the drawn token, not a second log-softmax pass.
     * Half-precision scores are read as fp32 inside the softmax (the same values as a cast first,
     * without writing the fp32 copy).
     */
    @Override
    public Tensor[] sampleWithLogProbs(Tensor scores) {
        if (topK > 0 || topP < 1.0) {
            return TokenSampler.super.sampleWithLogProbs(scores);
        }
        Tensor probs =
                temperature != 1.0
                        ? torch.softmax(LogitsProcessors.temperature(fp32(scores), temperature), -1)
                        : torch.softmax(scores, -1, new ScalarTypeOptional(DType.F32.scalarType()));
        Tensor q = torch.empty_like(probs).exponential_(1, random.optional());
        Tensor tokens = probs.div(q).argmax(new LongOptional(-1), false);
        Tensor logProbs = probs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1).log();
        return new Tensor[] {tokens, logProbs};
    }

    private static Tensor fp32(Tensor scores) {
        return Tensors.dtype(scores).isHalf() ? Ops.to(scores, DType.F32) : scores;
    }
}
