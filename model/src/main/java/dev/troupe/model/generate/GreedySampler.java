package dev.troupe.model.generate;

import dev.troupe.model.layers.Ops;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;

/** The most likely token (first of ties, as {@code torch.argmax}). */
public final class GreedySampler implements TokenSampler {
    @Override
    public Tensor sample(Tensor scores) {
        return scores.argmax(new LongOptional(-1), false);
    }

    @Override
    public Tensor logProbs(Tensor scores, Tensor tokens) {
        return Ops.logSoftmaxF32(scores, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
    }
}
