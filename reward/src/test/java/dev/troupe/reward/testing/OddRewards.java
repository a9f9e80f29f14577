package dev.troupe.reward.testing;

import com.typesafe.config.Config;
import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;

/** Classes that the registry must accept or refuse by class name. */
public final class OddRewards {

    private OddRewards() {}

    /** Returns its {@code score} parameter: built through the Config constructor. */
    public static final class FromParams implements RewardFunction {
        private final double score;

        public FromParams(Config params) {
            this.score = params.getDouble("score");
        }

        @Override
        public RewardResult score(RewardInput input) {
            return RewardResult.of(score);
        }
    }

    /** Returns 1: built through the no-argument constructor. */
    public static final class NoArgs implements RewardFunction {
        @Override
        public RewardResult score(RewardInput input) {
            return RewardResult.of(1.0);
        }
    }

    /** Not a reward function. */
    public static final class NotAReward {}

    /** Abstract. */
    public abstract static class Abstract implements RewardFunction {}

    /** No constructor the registry can call. */
    public static final class NeedsInt implements RewardFunction {
        public NeedsInt(int ignored) {}

        @Override
        public RewardResult score(RewardInput input) {
            return RewardResult.of(0.0);
        }
    }

    /** Constructor throws. */
    public static final class BrokenConstructor implements RewardFunction {
        public BrokenConstructor() {
            throw new IllegalStateException("cannot start: model file missing");
        }

        @Override
        public RewardResult score(RewardInput input) {
            return RewardResult.of(0.0);
        }
    }
}
