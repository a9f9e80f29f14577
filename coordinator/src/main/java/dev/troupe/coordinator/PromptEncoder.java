package dev.troupe.coordinator;

import dev.troupe.coordinator.data.ChatRole;
import dev.troupe.coordinator.data.ChatTurn;
import dev.troupe.coordinator.data.Conversation;
import dev.troupe.coordinator.data.Problem;
import dev.troupe.coordinator.data.Prompt;
import dev.troupe.coordinator.data.PromptFormat;
import dev.troupe.coordinator.data.PromptTemplate;
import dev.troupe.model.config.Architectures;
import dev.troupe.model.tokenizer.ChatMessage;
import dev.troupe.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
     * An SFT example: a conversation's tokens and which of them the loss is on.
     *
     * @param tokens the conversation's token ids, through its last assistant turn
     * @param lossMask one entry per token, true for the tokens of an assistant reply (with its
     *     end-of-turn or end-of-text token); false for everything else
     */
    public record SftExample(int[] tokens, boolean[] lossMask) {
        public SftExample {
            if (tokens.length != lossMask.length) {
                throw new IllegalArgumentException(
                        lossMask.length + " loss-mask entries for " + tokens.length + " tokens");
            }
        }

        /** Tokens before the first loss token: the prompt of the first reply. */
        public int promptLength() {
            int j = 0;
            while (j < lossMask.length && !lossMask[j]) {
                j++;
            }
            return j;
        }
    }

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
     * An SFT example from a conversation: the loss is on every assistant turn and on nothing else
     * (system and user turns, and the chat template's role headers, are context). Turns after the
     * last assistant turn are dropped: nothing after them is learnt.
     *
     * <p>In chat format the tokens are those of the conversation rendered by the chat template
     * ({@code apply_chat_template(..., tokenize=True)}), and an assistant turn's loss tokens are
     * what the template writes for it after its header, up to and including its end-of-turn token
     * (a stop token, e.g. {@code <|im_end|>}): the {@code {% generation %}} span of TRL's {@code
     * assistant_only_loss}. What the template writes after that token (a newline) is context. Turn
     * {@code k}'s reply starts where the conversation up to it, rendered with the generation
     * prompt, ends; that rendering must be a prefix of the whole, and its tokens a prefix of the
     * whole's tokens, so the tokens before each reply are exactly the prompt a rollout would be
     * given for that turn. A template that renders earlier turns differently once later ones
     * follow, or text that merges into one token across a reply's edge, fails, naming the
     * conversation.
     *
     * <p>In plain format the turns' texts follow one another, and each assistant reply is followed
     * by the end-of-text token. The pieces are tokenized one by one (the first with the tokenizer's
     * special tokens, e.g. a BOS), as a plain rollout sees them: its prompt is tokenized alone, and
     * the reply and end-of-text are generated after it; there is no single text whose encoding
     * holds the end-of-text id.
     *
     * @throws IllegalArgumentException naming the conversation if it opens with an assistant turn
     *     or the template cannot be split into turns as above
     */
    public SftExample sft(Conversation conversation) {
        List<ChatTurn> turns = conversation.turns();
        if (turns.get(0).role() == ChatRole.ASSISTANT) {
            throw new IllegalArgumentException(
                    "conversation "
                            + conversation.id()
                            + " opens with an assistant turn: SFT needs a prompt before every"
                            + " reply");
        }
        int last = turns.size() - 1;
        while (turns.get(last).role() != ChatRole.ASSISTANT) {
            last--;
        }
        turns = turns.subList(0, last + 1);
        SftExample e =
                template.format() == PromptFormat.PLAIN
                        ? plainSft(turns)
                        : chatSft(conversation.id(), turns);
        if (e.promptLength() == 0 || e.promptLength() == e.tokens().length) {
            throw new IllegalArgumentException(
                    "conversation "
                            + conversation.id()
                            + (e.promptLength() == 0
                                    ? " has no prompt token before its first reply"
                                    : " has no token in the loss"));
        }
        return e;
    }

    private SftExample plainSft(List<ChatTurn> turns) {
        TokenRun run = new TokenRun();
        StringBuilder context = new StringBuilder();
        boolean first = true;
        for (ChatTurn t : turns) {
            if (t.role() != ChatRole.ASSISTANT) {
                context.append(t.content());
                continue;
            }
            // Two replies in a row have no context between them.
            if (first || context.length() > 0) {
                run.add(tokenizer.encode(context.toString(), first), false);
                context.setLength(0);
                first = false;
            }
            run.add(tokenizer.encode(t.content(), false), true);
            run.add(new int[] {endOfText}, true);
        }
        return run.build();
    }

    private SftExample chatSft(String id, List<ChatTurn> turns) {
        String full = tokenizer.applyChatTemplate(messages(turns), false);
        int[] tokens = tokenizer.encode(full, false);
        boolean[] mask = new boolean[tokens.length];
        for (int k = 1; k < turns.size(); k++) {
            if (turns.get(k).role() != ChatRole.ASSISTANT) {
                continue;
            }
            String before = tokenizer.applyChatTemplate(messages(turns.subList(0, k)), true);
            String through = tokenizer.applyChatTemplate(messages(turns.subList(0, k + 1)), false);
            if (!through.startsWith(before) || !full.startsWith(through)) {
                throw new IllegalArgumentException(
                        "conversation "
                                + id
                                + ": the chat template does not render the conversation up"
                                + " to messages["
                                + k
                                + "] (an assistant reply) as the start of the whole (it rewrites"
                                + " earlier turns once later ones follow, as Qwen3's does with"
                                + " their reasoning), so the reply's tokens cannot be told apart");
            }
            int start = tokenBoundary(id, k, before, full, tokens);
            int end = tokenBoundary(id, k, through, full, tokens);
            int stop = end - 1;
            while (stop >= start && !stopTokenIds.contains(tokens[stop])) {
                stop--;
            }
            if (stop < start) {
                throw new IllegalArgumentException(
                        "conversation "
                                + id
                                + ": the chat template ends messages["
                                + k
                                + "] (an assistant reply) with none of the stop tokens "
                                + stopTokenIds
                                + ", so the model could not learn where a reply ends");
            }
            Arrays.fill(mask, start, stop + 1, true);
        }
        return new SftExample(tokens, mask);
    }

    /**
     * The number of {@code tokens} (the encoding of {@code full}) that encode {@code prefix}, a
     * prefix of {@code full}: the prefix's own encoding must open the whole's.
     */
    private int tokenBoundary(String id, int message, String prefix, String full, int[] tokens) {
        if (prefix.length() == full.length()) {
            return tokens.length;
        }
        int[] head = tokenizer.encode(prefix, false);
        if (head.length > tokens.length
                || !Arrays.equals(head, 0, head.length, tokens, 0, head.length)) {
            throw new IllegalArgumentException(
                    "conversation "
                            + id
                            + ": messages["
                            + message
                            + "] (an assistant reply) does not start or end on a token boundary:"
                            + " the text at its edge tokenizes differently alone and in the whole"
                            + " conversation");
        }
        return head.length;
    }

    /** Tokens and their loss flags, appended piece by piece. */
    private static final class TokenRun {
        private final List<int[]> pieces = new ArrayList<>();
        private final List<Boolean> loss = new ArrayList<>();
        private int length;

        void add(int[] piece, boolean inLoss) {
            pieces.add(piece);
            loss.add(inLoss);
            length += piece.length;
        }

        SftExample build() {
            int[] tokens = new int[length];
            boolean[] mask = new boolean[length];
            int at = 0;
            for (int i = 0; i < pieces.size(); i++) {
                int[] p = pieces.get(i);
                System.arraycopy(p, 0, tokens, at, p.length);
                Arrays.fill(mask, at, at + p.length, loss.get(i));
                at += p.length;
            }
            return new SftExample(tokens, mask);
        }
    }

    private static List<ChatMessage> messages(List<ChatTurn> turns) {
        List<ChatMessage> out = new ArrayList<>(turns.size());
        for (ChatTurn t : turns) {
            out.add(new ChatMessage(t.role().wireName(), t.content()));
        }
        return out;
    }
}
