package dev.troupe.coordinator.data;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One SFT example: a conversation whose assistant turns are the training targets (the loss masks
 * everything else).
 *
 * @param id stable name, e.g. {@code sft.jsonl:12} or {@code arithmetic-sft/train/42}
 * @param turns the messages in order; at least one is an assistant turn
 * @param metadata further facts (source file and line; for generated examples whether the answer
 *     shown is correct)
 */
public record Conversation(String id, List<ChatTurn> turns, Map<String, String> metadata) {

    public Conversation {
        Objects.requireNonNull(id, "id");
        turns = List.copyOf(turns);
        if (turns.stream().noneMatch(t -> t.role() == ChatRole.ASSISTANT)) {
            throw new IllegalArgumentException(id + ": a conversation needs an assistant turn");
        }
        metadata = Problem.copyOf(metadata);
    }
}
