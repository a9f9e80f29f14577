package dev.troupe.coordinator.data;

/**
 * How a generated SFT conversation shows a wrong answer ({@code
 * troupe.data.sft.wrong-answer-kind}).
 */
public enum WrongAnswerKind {
    /**
     * The right answer moved by an offset ({@code wrong-answer-offset}: random 1 to 10 either way,
     * or a fixed k).
     */
    OFFSET,
    /**
     * The work stops one step short: the worked steps but the last, and the answer is the result of
     * the last step shown (the first operand when there is one step). The slip of forgetting the
     * last operation; no wrong step is ever shown, so a policy cannot turn it into a right answer
     * by miscomputing a step, only by doing the last step.
     */
    SKIP_LAST_STEP
}
