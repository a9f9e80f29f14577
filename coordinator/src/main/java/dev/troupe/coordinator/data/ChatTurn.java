package dev.troupe.coordinator.data;

import java.util.Objects;

/**
 * One message of a conversation, before any chat template: the template is the tokenizer's business
 * ({@code dev.troupe.model.tokenizer.ChatTemplate}, whose {@code ChatMessage} takes {@code
 * role.wireName()} and {@code content}).
 *
 * @param role who speaks
 * @param content the text
 */
public record ChatTurn(ChatRole role, String content) {

    public ChatTurn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatTurn system(String content) {
        return new ChatTurn(ChatRole.SYSTEM, content);
    }

    public static ChatTurn user(String content) {
        return new ChatTurn(ChatRole.USER, content);
    }

    public static ChatTurn assistant(String content) {
        return new ChatTurn(ChatRole.ASSISTANT, content);
    }
}
