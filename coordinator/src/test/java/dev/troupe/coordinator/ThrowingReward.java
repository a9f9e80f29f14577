package dev.troupe.coordinator;

import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;

/**
 * A researcher's reward with a bug: it throws on the first completion of the first prompt of every
 * step, and scores the others by completion length.
 */
public final class ThrowingReward implements RewardFunction {
    @Override
    public RewardResult score(RewardInput input) {
        if (input.sampleId().promptIndex() == 0 && input.sampleId().sampleIndex() == 0) {
            throw new IllegalStateException("bug in a user reward");
        }
        return RewardResult.of(input.completion().length() / 100.0);
    }
}
