package dev.troupe.reward;

/**
 * Identity of one completion, carried from rollout to learner: the training step, the prompt's
 * index within the step's batch and the completion's index within the prompt's group.
 *
 * @param step training step the prompt was drawn for, {@code >= 0}
 * @param promptIndex index of the prompt within the step's batch, {@code >= 0}
 * @param sampleIndex index of the completion within its group (0 .. G-1), {@code >= 0}
 */
public record SampleId(long step, int promptIndex, int sampleIndex) {

    public SampleId {
        if (step < 0 || promptIndex < 0 || sampleIndex < 0) {
            throw new IllegalArgumentException(
                    "sample id fields must be >= 0, got step "
                            + step
                            + ", prompt "
                            + promptIndex
                            + ", sample "
                            + sampleIndex);
        }
    }

    /** Short form for logs: {@code step/prompt/sample}, e.g. {@code 12/3/7}. */
    @Override
    public String toString() {
        return step + "/" + promptIndex + "/" + sampleIndex;
    }
}
