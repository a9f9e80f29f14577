package dev.troupe.model.tokenizer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation, as a chat template sees it: {@code message.role}, {@code
 * message.content}, and any other field in {@code extra}, such as {@code tool_calls} (a list of
 * {@code {"type": "function", "function": {"name": ..., "arguments": {...}}}} maps), {@code
 * reasoning_content} (Qwen3's thinking) or {@code tool_call_id}.
 *
 * <p>Values in {@code extra} are plain JSON-like Java values: {@link String}, {@link Number},
 * {@link Boolean}, {@code null}, {@link java.util.List} and {@link Map}. A {@code null} content is
 * a message without content (an assistant turn that only calls tools); templates see it as
 * undefined.
 *
 * @param role who speaks: {@code system}, {@code user}, {@code assistant}, {@code tool}, ...
 * @param content the text, or {@code null} for none
 * @param extra further message fields, in the order templates will see them
 */
public record ChatMessage(String role, String content, Map<String, Object> extra) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(extra, "extra");
        if (extra.containsKey("role") || extra.containsKey("content")) {
            throw new IllegalArgumentException(
                    "extra must not repeat 'role' or 'content': " + extra.keySet());
        }
        // Copied because a template must not see later changes; LinkedHashMap keeps order and,
        // unlike Map.copyOf, allows null values (a field set to None).
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** A message with only a role and content. */
    public ChatMessage(String role, String content) {
        this(role, content, Map.of());
    }

    /** The message as the template's {@code message} dict: role, content, then the extras. */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", role);
        value.put("content", content);
        value.putAll(extra);
        return value;
    }
}
