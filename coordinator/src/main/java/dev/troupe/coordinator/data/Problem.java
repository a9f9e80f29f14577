package dev.troupe.coordinator.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One problem for RL training or evaluation: the question put to the model, and what a reward
 * function checks the completion against.
 *
 * @param id stable name of the problem, the same run after run: {@code train.jsonl:17} for line 17
 *     of a file, {@code arithmetic/train/42} for a generated one
 * @param question the question text, before any prompt template
 * @param referenceAnswer the answer a correct completion gives, e.g. {@code "72"}
 * @param metadata further facts for reward functions and reports (source file and line, the worked
 *     solution, the expression...), in a fixed order
 */
public record Problem(
        String id, String question, String referenceAnswer, Map<String, String> metadata) {

    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(referenceAnswer, "referenceAnswer");
        metadata = copyOf(metadata);
    }

    static Map<String, String> copyOf(Map<String, String> metadata) {
        Objects.requireNonNull(metadata, "metadata");
        Map<String, String> copy = new LinkedHashMap<>();
        metadata.forEach(
                (k, v) ->
                        copy.put(
                                Objects.requireNonNull(k, "metadata key"),
                                Objects.requireNonNull(v, () -> "metadata value of " + k)));
        return Collections.unmodifiableMap(copy);
    }
}
