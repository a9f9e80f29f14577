package dev.troupe.reward.testing;

import dev.troupe.reward.RewardInput;
import dev.troupe.reward.SampleId;
import java.util.Map;

/** Builds reward inputs for tests. */
public final class Inputs {

    private Inputs() {}

    /** A completion with a reference answer, empty prompt and metadata, sample 0/0/0. */
    public static RewardInput completion(String completion, String reference) {
        return new RewardInput("", completion, reference, Map.of(), new SampleId(0, 0, 0));
    }

    /** A completion without a reference answer. */
    public static RewardInput completion(String completion) {
        return completion(completion, null);
    }

    /** A completion of sample {@code step/prompt/sample}. */
    public static RewardInput sample(
            long step, int prompt, int sample, String completion, String reference) {
        return new RewardInput(
                "prompt " + prompt,
                completion,
                reference,
                Map.of(),
                new SampleId(step, prompt, sample));
    }
}
