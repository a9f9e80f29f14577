package dev.troupe.coordinator.data;

import java.util.List;
import java.util.Objects;

/** A rendered prompt, in the form its {@link PromptFormat} says. */
public sealed interface Prompt {

    /** Raw text ({@link PromptFormat#PLAIN}). */
    record Text(String text) implements Prompt {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Chat messages ({@link PromptFormat#CHAT}), ending with the user's. */
    record Chat(List<ChatTurn> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }
}
