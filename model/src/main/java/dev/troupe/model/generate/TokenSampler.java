package dev.troupe.model.generate;

import org.bytedeco.pytorch.Tensor;

/** Picks the next token of each sequence from its scores. */
public interface TokenSampler {

    /**
     * @param scores (B, V) fp32 next-token logits
     * @return (B) int64 token ids
     */
    Tensor sample(Tensor scores);

    /**
     * The log-probability of {@code tokens} under the distribution this sampler draws from before
     * any truncation: {@code log_softmax(scores / temperature)} (the behaviour policy RL needs).
     *
     * @return (B) fp32
     */
    Tensor logProbs(Tensor scores, Tensor tokens);
}
