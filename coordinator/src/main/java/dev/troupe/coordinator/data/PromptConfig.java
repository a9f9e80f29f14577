package dev.troupe.coordinator.data;

import dev.troupe.coordinator.internal.FieldException;
import java.util.Objects;

/**
 * Settings of prompts, the keys under {@code troupe.data.prompt}, checked when made: the template
 * must parse (see {@link PromptTemplate}), and a system message needs the chat format.
 *
 * @param template the template text, with {@code {question}}
 * @param format chat messages or plain text
 * @param system the system message in chat format; empty for none
 */
public record PromptConfig(String template, PromptFormat format, String system) {
    public PromptConfig {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(system, "system");
        if (format == PromptFormat.PLAIN && !system.isEmpty()) {
            throw new FieldException(
                    "system", "a system message needs format = chat; plain prompts have no roles");
        }
        PromptTemplate.parseText(Objects.requireNonNull(template, "template"));
    }
}
