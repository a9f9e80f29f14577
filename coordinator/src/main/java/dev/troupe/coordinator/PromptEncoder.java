package dev.troupe.coordinator;

import dev.troupe.coordinator.data.ChatRole;
import dev.troupe.coordinator.data.ChatTurn;
import dev.troupe.coordinator.data.Conversation;
import dev.troupe.coordinator.data.Problem;
import dev.troupe.coordinator.data.Prompt;
import dev.troupe.coordinator.data.PromptTemplate;
import dev.troupe.model.config.Architectures;
import dev.troupe.model.tokenizer.ChatMessage;
import dev.troupe.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns problems and conversations into the token ids the workers see, with the model's tokenizer
 * and the run's prompt template: plain prompts are encoded as text (with the tokenizer's own
 * special tokens, e.g. a BOS), chat prompts through the chat template with the generation prompt,
 * as {@code apply_chat_template(..., add_generation_prompt=True)}.
 */
public final class PromptEncoder {

    /** A prompt as the policy sees it. */
    public record Encoded(String text, int[] tokens) {}

    /**
     * An SFT example: the prompt, then the completion the loss is on.
     *
     * @param tokens prompt then completion token ids
     * @param promptLength prompt tokens
     */
    public record SftExample(int[] tokens, int promptLength) {}

    private final Tokenizer tokenizer;
    private final PromptTemplate template;
    private final Set<Integer> stopTokenIds;
    private final int padTokenId;
    private final int endOfText;

    public PromptEncoder(Tokenizer tokenizer, PromptTemplate template, Path modelDir) {
        this.tokenizer = tokenizer;
        this.template = template;
        Set<Integer> stop = new LinkedHashSet<>(Architectures.readSpec(modelDir).eosTokenIds());
        tokenizer.eosTokenId().ifPresent(stop::add);
        if (stop.isEmpty()) {
            throw new IllegalArgumentException(
                    "model "
                            + modelDir
                            + " names no end-of-sequence token (config.json eos_token_id,"
                            + " tokenizer_config.json eos_token): completions could never stop");
        }
        this.stopTokenIds = Set.copyOf(stop);
        this.endOfText = tokenizer.eosTokenId().orElse(stop.iterator().next());
        this.padTokenId = tokenizer.padTokenId().orElse(endOfText);
    }

    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    public int padTokenId() {
        return padTokenId;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The prompt of a problem. */
    public Encoded prompt(Problem problem) {
        Prompt p = template.render(problem);
        if (p instanceof Prompt.Text t) {
            return new Encoded(t.text(), tokenizer.encode(t.text(), true));
        }
        List<ChatMessage> messages = messages(((Prompt.Chat) p).messages());
        String text = tokenizer.applyChatTemplate(messages, true);
        return new Encoded(text, tokenizer.encode(text, false));
    }

    /** Text of generated tokens, without special tokens (the stop token). */
    public String completionText(int[] tokens) {
        return tokenizer.decode(tokens, true);
    }

    /**
     * An SFT example from a conversation: the loss is on the last assistant turn (in chat format
     * with the template's end-of-turn marker, in plain format followed by the end-of-text token);
     * everything before it is prompt.
     */
    public SftExample sft(Conversation conversation) {
        List<ChatTurn> turns = conversation.turns();
        int last = turns.size() - 1;
        while (last >= 0 && turns.get(last).role() != ChatRole.ASSISTANT) {
            last--;
        }
        if (last < 1) {
            throw new IllegalArgumentException(
                    "conversation " + conversation.id() + " has no assistant turn after a prompt");
        }
        List<ChatTurn> prefix = turns.subList(0, last);
        String answer = turns.get(last).content();
        int[] prompt;
        int[] completion;
        if (template.format() == dev.troupe.coordinator.data.PromptFormat.PLAIN) {
            StringBuilder text = new StringBuilder();
            for (ChatTurn t : prefix) {
                text.append(t.content());
            }
            prompt = tokenizer.encode(text.toString(), true);
            int[] body = tokenizer.encode(answer, false);
            completion = new int[body.length + 1];
            System.arraycopy(body, 0, completion, 0, body.length);
            completion[body.length] = endOfText;
        } else {
            List<ChatTurn> upTo = turns.subList(0, last + 1);
            String promptText = tokenizer.applyChatTemplate(messages(prefix), true);
            String full = tokenizer.applyChatTemplate(messages(upTo), false);
            if (!full.startsWith(promptText)) {
                throw new IllegalArgumentException(
                        "conversation "
                                + conversation.id()
                                + ": the chat template renders the prompt differently alone and"
                                + " with the reply, so the reply's tokens cannot be told apart");
            }
            prompt = tokenizer.encode(promptText, false);
            completion = tokenizer.encode(full.substring(promptText.length()), false);
        }
        if (completion.length == 0) {
            throw new IllegalArgumentException(
                    "conversation " + conversation.id() + " has an empty assistant reply");
        }
        int[] all = new int[prompt.length + completion.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(completion, 0, all, prompt.length, completion.length);
        return new SftExample(all, prompt.length);
    }

    private static List<ChatMessage> messages(List<ChatTurn> turns) {
        List<ChatMessage> out = new ArrayList<>(turns.size());
        for (ChatTurn t : turns) {
            out.add(new ChatMessage(t.role().wireName(), t.content()));
        }
        return out;
    }
}
