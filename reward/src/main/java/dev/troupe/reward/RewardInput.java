package dev.troupe.reward;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link RewardFunction} may look at for one completion.
 *
 * @param prompt the prompt text as the policy saw it (after the chat template)
 * @param completion the generated text, without the prompt
 * @param reference the data set's reference answer (for GSM8K the {@code answer} field, e.g. {@code
 *     "... #### 18"} or just {@code "18"}); {@code null} when the data set has none
 * @param metadata free-form fields of the data set row (task name, difficulty, ...); never null
 * @param sampleId which completion this is
 */
public record RewardInput(
        String prompt,
        String completion,
        String reference,
        Map<String, String> metadata,
        SampleId sampleId) {

    public RewardInput {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
        metadata = Map.copyOf(Objects.requireNonNull(metadata, "metadata"));
        Objects.requireNonNull(sampleId, "sampleId");
    }

    /** Whether the data set gave a reference answer. */
    public boolean hasReference() {
        return reference != null;
    }
}
