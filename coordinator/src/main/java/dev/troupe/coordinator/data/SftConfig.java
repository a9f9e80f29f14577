package dev.troupe.coordinator.data;

import dev.troupe.coordinator.internal.FieldException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of SFT data, the keys under {@code troupe.data.sft} (see the module's {@code
 * reference.conf}), checked when made: the response template must parse.
 *
 * @param path chat JSONL to train on ({@link ChatJsonl}); empty to build conversations from
 *     generated arithmetic problems ({@link ArithmeticSft})
 * @param responseTemplate the assistant reply of a generated conversation: {@code {answer}} (the
 *     answer shown) and optionally {@code {reasoning}} (the worked steps, or nothing)
 * @param includeReasoning whether {@code {reasoning}} holds the worked steps, one per line
 * @param wrongAnswerFraction expected share of generated conversations that show a wrong answer, in
 *     [0, 1]
 * @param wrongAnswerOffset 0: a wrong answer is the right one moved by a random 1 to 10 either way;
 *     k: always the right one plus k (minus k when k is negative and that stays allowed), a
 *     systematic slip
 * @param wrongAnswerInReasoning whether the last worked step shows the wrong answer too (true), or
 *     the steps stay right and only the stated answer is wrong (false: a slip copying the result)
 * @param wrongAnswerKind how a wrong answer is made: by an offset (the two settings above), or by
 *     stopping one step short ({@link WrongAnswerKind#SKIP_LAST_STEP}, which ignores them)
 */
public record SftConfig(
        Optional<Path> path,
        String responseTemplate,
        boolean includeReasoning,
        double wrongAnswerFraction,
        int wrongAnswerOffset,
        boolean wrongAnswerInReasoning,
        WrongAnswerKind wrongAnswerKind) {

    /** Most a fixed wrong-answer offset may be, either way. */
    public static final int MAX_WRONG_ANSWER_OFFSET = 1000;

    /** Settings with random wrong-answer offsets shown in the reasoning too. */
    public SftConfig(
            Optional<Path> path,
            String responseTemplate,
            boolean includeReasoning,
            double wrongAnswerFraction) {
        this(
                path,
                responseTemplate,
                includeReasoning,
                wrongAnswerFraction,
                0,
                true,
                WrongAnswerKind.OFFSET);
    }

    public SftConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(wrongAnswerKind, "wrongAnswerKind");
        ArithmeticSft.parseResponseTemplate(
                Objects.requireNonNull(responseTemplate, "responseTemplate"));
        if (!(wrongAnswerFraction >= 0 && wrongAnswerFraction <= 1)) {
            throw new FieldException(
                    "wrong-answer-fraction", wrongAnswerFraction + " is outside [0, 1]");
        }
        if (Math.abs(wrongAnswerOffset) > MAX_WRONG_ANSWER_OFFSET) {
            throw new FieldException(
                    "wrong-answer-offset", wrongAnswerOffset + " is outside [-1000, 1000]");
        }
    }
}
