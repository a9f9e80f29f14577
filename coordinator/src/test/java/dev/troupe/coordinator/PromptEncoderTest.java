package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.coordinator.data.ChatTurn;
import dev.troupe.coordinator.data.Conversation;
import dev.troupe.coordinator.data.PromptConfig;
import dev.troupe.coordinator.data.PromptFormat;
import dev.troupe.coordinator.data.PromptTemplate;
import dev.troupe.model.tokenizer.ChatMessage;
import dev.troupe.model.tokenizer.Tokenizer;
import dev.troupe.testkit.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT examples from the Qwen2 fixture's tokenizer (byte-level BPE, ChatML template, {@code
 * <|im_end|>} its end-of-turn and stop token).
 */
class PromptEncoderTest {
    static final Path MODEL = RepoPaths.fixture("hf", "qwen2");
    static Tokenizer tokenizer;

    @TempDir Path tmp;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(MODEL);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    static PromptEncoder encoder(Tokenizer t, PromptFormat format, Path modelDir) {
        return new PromptEncoder(
                t, PromptTemplate.of(new PromptConfig("{question}", format, "")), modelDir);
    }

    static final List<ChatTurn> TWO_REPLIES =
            List.of(
                    ChatTurn.system("Be brief."),
                    ChatTurn.user("2+3?"),
                    ChatTurn.assistant("5"),
                    ChatTurn.user("Times 4?"),
                    ChatTurn.assistant("20"));

    static Conversation conversation(List<ChatTurn> turns) {
        return new Conversation("chat.jsonl:7", turns, Map.of());
    }

    static List<ChatMessage> messages(List<ChatTurn> turns) {
        List<ChatMessage> out = new ArrayList<>();
        for (ChatTurn t : turns) {
            out.add(new ChatMessage(t.role().wireName(), t.content()));
        }
        return out;
    }

    static int[] lossPositions(boolean[] mask) {
        return IntStream.range(0, mask.length).filter(j -> mask[j]).toArray();
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void shouldPutEveryAssistantReplyWithItsEndOfTurnInTheLoss() {
        PromptEncoder.SftExample e =
                encoder(tokenizer, PromptFormat.CHAT, MODEL).sft(conversation(TWO_REPLIES));
        int[] tokens = e.tokens();
        // Tokens 0-35 are the system and user turns and the assistant header, 36-37 the first
        // reply "5<|im_end|>", 38-62 its newline, the second user turn and header, 63-65 the
        // second reply "20<|im_end|>", 66 its newline.
        assertArrayEquals(new int[] {36, 37, 63, 64, 65}, lossPositions(e.lossMask()));
        assertEquals("5<|im_end|>", tokenizer.decode(Arrays.copyOfRange(tokens, 36, 38), false));
        assertEquals("20<|im_end|>", tokenizer.decode(Arrays.copyOfRange(tokens, 63, 66), false));
        assertEquals(36, e.promptLength());
        // The tokens are those of the whole rendered conversation ...
        assertArrayEquals(tokenizer.encodeChat(messages(TWO_REPLIES), false), tokens);
        // ... and before each reply they are the prompt a rollout gets for that turn.
        assertArrayEquals(
                tokenizer.encodeChat(messages(TWO_REPLIES.subList(0, 2)), true),
                Arrays.copyOfRange(tokens, 0, 36));
        assertArrayEquals(
                tokenizer.encodeChat(messages(TWO_REPLIES.subList(0, 4)), true),
                Arrays.copyOfRange(tokens, 0, 63));
        assertEquals("\n", tokenizer.decode(new int[] {tokens[66]}, false));
        assertEquals(67, tokens.length);
    }

    @Test
    void shouldKeepASingleTurnAsBeforeLeavingOutOnlyTheNewlineAfterTheEndOfTurn() {
        List<ChatTurn> turns = TWO_REPLIES.subList(0, 3);
        PromptEncoder.SftExample e =
                encoder(tokenizer, PromptFormat.CHAT, MODEL).sft(conversation(turns));
        // What the one-reply encoding was: the prompt with the generation prompt, then the rest.
        String prompt = tokenizer.applyChatTemplate(messages(turns.subList(0, 2)), true);
        String full = tokenizer.applyChatTemplate(messages(turns), false);
        int[] promptTokens = tokenizer.encode(prompt, false);
        int[] reply = tokenizer.encode(full.substring(prompt.length()), false);
        assertArrayEquals(concat(promptTokens, reply), e.tokens());
        assertEquals(promptTokens.length, e.promptLength());
        assertEquals(
                "5<|im_end|>\n", tokenizer.decode(reply, false), "the reply and what follows it");
        assertArrayEquals(
                new int[] {promptTokens.length, promptTokens.length + 1},
                lossPositions(e.lossMask()));
    }

    @Test
    void shouldLeaveOutTurnsAfterTheLastReply() {
        List<ChatTurn> turns = new ArrayList<>(TWO_REPLIES);
        turns.add(ChatTurn.user("And minus 1?"));
        PromptEncoder.SftExample e =
                encoder(tokenizer, PromptFormat.CHAT, MODEL).sft(conversation(turns));
        PromptEncoder.SftExample without =
                encoder(tokenizer, PromptFormat.CHAT, MODEL).sft(conversation(TWO_REPLIES));
        assertArrayEquals(without.tokens(), e.tokens());
        assertArrayEquals(without.lossMask(), e.lossMask());
    }

    @Test
    void shouldFollowEveryPlainReplyWithEndOfTextAndPutBothInTheLoss() {
        PromptEncoder encoder = encoder(tokenizer, PromptFormat.PLAIN, MODEL);
        int endOfText = tokenizer.eosTokenId().orElseThrow();
        List<ChatTurn> turns =
                List.of(
                        ChatTurn.user("2+3="),
                        ChatTurn.assistant("5"),
                        ChatTurn.user(" times 4="),
                        ChatTurn.assistant("20"));
        int[] first = tokenizer.encode("2+3=", true);
        int[] second = tokenizer.encode(" times 4=", false);
        PromptEncoder.SftExample e = encoder.sft(conversation(turns));
        assertArrayEquals(
                concat(
                        first,
                        tokenizer.encode("5", false),
                        new int[] {endOfText},
                        second,
                        tokenizer.encode("20", false),
                        new int[] {endOfText}),
                e.tokens());
        int a = first.length;
        int b = a + 2 + second.length;
        assertArrayEquals(new int[] {a, a + 1, b, b + 1, b + 2}, lossPositions(e.lossMask()));

        // One reply: the prompt, then the reply and end-of-text, all of it in the loss.
        PromptEncoder.SftExample one = encoder.sft(conversation(turns.subList(0, 2)));
        assertArrayEquals(
                concat(first, tokenizer.encode("5", false), new int[] {endOfText}), one.tokens());
        assertEquals(first.length, one.promptLength());
        assertArrayEquals(new int[] {a, a + 1}, lossPositions(one.lossMask()));
    }

    @Test
    void shouldRejectAConversationThatOpensWithAReply() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                encoder(tokenizer, PromptFormat.CHAT, MODEL)
                                        .sft(
                                                conversation(
                                                        List.of(
                                                                ChatTurn.assistant("Hi."),
                                                                ChatTurn.user("2+3?"),
                                                                ChatTurn.assistant("5")))));
        assertTrue(e.getMessage().startsWith("conversation chat.jsonl:7 opens with an assistant"));
    }

    /** The fixture's model and tokenizer with another chat template. */
    Path withTemplate(String template) throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(MODEL.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("chat_template.jinja"), template);
        return dir;
    }

    String sftError(String template) throws IOException {
        Path dir = withTemplate(template);
        try (Tokenizer t = Tokenizer.load(dir)) {
            PromptEncoder encoder = encoder(t, PromptFormat.CHAT, dir);
            return assertThrows(
                            IllegalArgumentException.class,
                            () -> encoder.sft(conversation(TWO_REPLIES)))
                    .getMessage();
        }
    }

    @Test
    void shouldRejectATemplateThatRewritesEarlierReplies() throws IOException {
        // As Qwen3's template does with the reasoning of earlier turns: a reply renders one way
        // as the last message and another way once a later turn follows.
        String message =
                sftError(
                        "{%- for m in messages %}{%- if m.role == 'assistant' and not loop.last %}"
                                + "{{- '<|im_start|>assistant\\n...<|im_end|>\\n' }}{%- else %}"
                                + "{{- '<|im_start|>' + m.role + '\\n' + m.content"
                                + " + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
                                + "{%- if add_generation_prompt %}"
                                + "{{- '<|im_start|>assistant\\n' }}{%- endif %}");
        assertTrue(
                message.startsWith(
                        "conversation chat.jsonl:7: the chat template does not render the"
                                + " conversation up to messages[2] (an assistant reply) as the"
                                + " start of the whole"),
                message);
    }

    @Test
    void shouldRejectATemplateWhoseRepliesEndWithNoStopToken() throws IOException {
        String message =
                sftError(
                        "{%- for m in messages %}{{- m.role + ': ' + m.content + '\\n\\n' }}"
                                + "{%- endfor %}{%- if add_generation_prompt %}"
                                + "{{- 'assistant: ' }}{%- endif %}");
        assertTrue(
                message.startsWith(
                        "conversation chat.jsonl:7: the chat template ends messages[2] (an"
                                + " assistant reply) with none of the stop tokens [2]"),
                message);
    }

    @Test
    void shouldRejectAReplyThatMergesWithItsHeaderIntoOneToken() throws IOException {
        // " b" is one token of this vocabulary: a header ending in a space and a reply starting
        // with "b" leave no token boundary between them.
        Path dir =
                withTemplate(
                        "{%- for m in messages %}{{- '<|im_start|>' + m.role + ' ' + m.content"
                                + " + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt"
                                + " %}{{- '<|im_start|>assistant ' }}{%- endif %}");
        try (Tokenizer t = Tokenizer.load(dir)) {
            PromptEncoder encoder = encoder(t, PromptFormat.CHAT, dir);
            String message =
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () ->
                                            encoder.sft(
                                                    conversation(
                                                            List.of(
                                                                    ChatTurn.user("Hi"),
                                                                    ChatTurn.assistant("brief")))))
                            .getMessage();
            assertTrue(
                    message.startsWith(
                            "conversation chat.jsonl:7: messages[1] (an assistant reply) does not"
                                    + " start or end on a token boundary"),
                    message);
        }
    }
}
