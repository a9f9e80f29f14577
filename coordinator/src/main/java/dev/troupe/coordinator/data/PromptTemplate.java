package dev.troupe.coordinator.data;

import dev.troupe.coordinator.data.internal.TextTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@link Problem} into the prompt the model sees, from a template in config ({@code
 * troupe.data.prompt.template}).
 *
 * <p>The template ({@link PromptConfig#template()}) is text with {@code {question}} where the
 * question goes; {@code {{} and {@code }}} are literal braces. For example {@code "Solve:
 * {question}\nAnswer in <answer></answer>."} on the question {@code "What is 2 + 3?"} renders
 * {@code "Solve: What is 2 + 3?\nAnswer in <answer></answer>."}. In {@link PromptFormat#CHAT} that
 * text is the user message, after the system message if one is set; in {@link PromptFormat#PLAIN}
 * it is the prompt itself.
 */
public final class PromptTemplate {
    /** The placeholder for {@link Problem#question()}. */
    public static final String QUESTION = "question";

    private final TextTemplate template;
    private final PromptFormat format;
    private final String systemMessage;

    private PromptTemplate(TextTemplate template, PromptFormat format, String systemMessage) {
        this.template = template;
        this.format = format;
        this.systemMessage = systemMessage;
    }

    /** The template of {@code config}, which checked it when it was made. */
    public static PromptTemplate of(PromptConfig config) {
        return new PromptTemplate(parseText(config.template()), config.format(), config.system());
    }

    static TextTemplate parseText(String template) {
        return TextTemplate.parse("template", template, Set.of(QUESTION), Set.of(QUESTION));
    }

    public PromptFormat format() {
        return format;
    }

    /** The prompt in this template's format. */
    public Prompt render(Problem problem) {
        return format == PromptFormat.CHAT
                ? new Prompt.Chat(renderChat(problem))
                : new Prompt.Text(renderText(problem));
    }

    /** The template's text for {@code problem}: the plain prompt, or the user message's content. */
    public String renderText(Problem problem) {
        return template.render(Map.of(QUESTION, problem.question()));
    }

    /** The chat messages for {@code problem}: the system message if set, then the user message. */
    public List<ChatTurn> renderChat(Problem problem) {
        List<ChatTurn> messages = new ArrayList<>(2);
        if (!systemMessage.isEmpty()) {
            messages.add(ChatTurn.system(systemMessage));
        }
        messages.add(ChatTurn.user(renderText(problem)));
        return messages;
    }
}
