package dev.troupe.coordinator.data;

import java.util.Locale;
import java.util.Optional;

/** Who speaks in a chat message; {@link #wireName()} is the {@code role} string of chat JSONL. */
public enum ChatRole {
    SYSTEM,
    USER,
    ASSISTANT;

    /** {@code "system"}, {@code "user"} or {@code "assistant"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code name} in chat JSONL, if it is one of the three. */
    public static Optional<ChatRole> fromWireName(String name) {
        for (ChatRole role : values()) {
            if (role.wireName().equals(name)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
