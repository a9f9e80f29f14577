package dev.troupe.coordinator.data;

/** How a rendered prompt reaches the model. */
public enum PromptFormat {
    /**
     * A list of chat messages (an optional system message, then the user message); the model's chat
     * template is applied where the prompt is tokenized.
     */
    CHAT,
    /** Raw text, tokenized as it is: for base models without a chat template. */
    PLAIN
}
