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
 */
public record SftConfig(
        Optional<Path> path,
        String responseTemplate,
        boolean includeReasoning,
        double wrongAnswerFraction) {

    public SftConfig {
        Objects.requireNonNull(path, "path");
        ArithmeticSft.parseResponseTemplate(
                Objects.requireNonNull(responseTemplate, "responseTemplate"));
        if (!(wrongAnswerFraction >= 0 && wrongAnswerFraction <= 1)) {
            throw new FieldException(
                    "wrong-answer-fraction", wrongAnswerFraction + " is outside [0, 1]");
        }
    }
}
