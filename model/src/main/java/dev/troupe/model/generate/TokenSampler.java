package dev.troupe.model.generate;

import org.bytedeco.pytorch.Tensor;

/** Picks the next token of each sequence from its scores. */
public interface TokenSampler {

    /**
     * @param scores (B, V) next-token logits, fp32 or half precision (read as fp32)
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

    /**
     * {@link #sample} and {@link #logProbs} of the sampled tokens in one call, both on the scores'
     * device: {tokens (B) int64, log-probs (B) fp32}.
     */
    default Tensor[] sampleWithLogProbs(Tensor scores) {
        Tensor tokens = sample(scores);
        return new Tensor[] {tokens, logProbs(scores, tokens)};
    }
}
