package dev.troupe.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Tokenizer} on a tokenizer made by hand: a byte-level BPE (as Qwen's and Llama 3's are)
 * over the 256 byte symbols plus a few merges, with {@code <|endoftext|>}, {@code <|im_start|>} and
 * {@code <|im_end|>} as added special tokens.
 */
class TokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Merges of the tiny BPE; each merged token gets the next id after the 256 byte symbols. */
    private static final List<String> MERGES = List.of("h e", "l l", "he ll", "hell o", "Ġ w");

    private static final int ENDOFTEXT = 256 + MERGES.size();
    private static final int IM_START = ENDOFTEXT + 1;
    private static final int IM_END = ENDOFTEXT + 2;

    @TempDir Path dir;

    @Test
    void shouldRoundTripTextThroughEncodeAndDecode() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        String text = "hello world\n\tÜnïcödé 🎉 日本語 \"quotes\" \\ end  ";
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] ids = tokenizer.encode(text, false);
            assertEquals(text, tokenizer.decode(ids, false));
            assertEquals(tokenizer.tokenToId("hello").getAsInt(), ids[0]);
            assertEquals(tokenizer.tokenToId("Ġw").getAsInt(), ids[1]);
        }
    }

    @Test
    void shouldNeitherTruncateNorPadLongTexts() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        String text = "hello world ".repeat(2000);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] ids = tokenizer.encode(text, true);
            // "hello", "Ġw", "o", "r", "l", "d", then "Ġ" before each next "hello" and at the end;
            // DJL alone would truncate to 512.
            assertEquals(7 * 2000, ids.length);
            assertEquals(text, tokenizer.decode(ids, false));
        }
    }

    @Test
    void shouldEncodeSpecialTokensInRenderedChatAsSingleIds() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        List<ChatMessage> chat =
                List.of(
                        new ChatMessage("system", "You are helpful."),
                        new ChatMessage("user", "hello world"));
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            String prompt = tokenizer.applyChatTemplate(chat, true);
            int[] ids = tokenizer.encodeChat(chat, true);

            assertArrayEquals(tokenizer.encode(prompt, false), ids);
            assertEquals(IM_START, ids[0]);
            assertEquals(3, count(ids, IM_START));
            assertEquals(2, count(ids, IM_END));
            assertEquals(prompt, tokenizer.decode(ids, false));
            assertArrayEquals(new int[] {IM_END}, tokenizer.encode("<|im_end|>", false));
        }
    }

    @Test
    void shouldSkipSpecialTokensWhenDecodingOnlyIfAsked() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] ids = tokenizer.encode("<|im_start|>user\nhello<|im_end|>", false);
            assertEquals("<|im_start|>user\nhello<|im_end|>", tokenizer.decode(ids, false));
            assertEquals("user\nhello", tokenizer.decode(ids, true));
        }
    }

    @Test
    void shouldAddPostProcessorSpecialTokensOnlyWhenAsked() throws IOException {
        ObjectNode tokenizerJson = byteLevelBpe();
        tokenizerJson.set("post_processor", bosTemplateProcessing());
        write(dir.resolve("tokenizer.json"), tokenizerJson.toString());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] plain = tokenizer.encode("hello", false);
            int[] special = tokenizer.encode("hello", true);
            assertArrayEquals(new int[] {tokenizer.tokenToId("hello").getAsInt()}, plain);
            assertArrayEquals(new int[] {ENDOFTEXT, plain[0]}, special);
        }
    }

    @Test
    void shouldReadSpecialTokensGivenAsStringsOrAddedTokenObjects() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals(Optional.of("<|im_end|>"), tokenizer.eosToken());
            assertEquals(OptionalInt.of(IM_END), tokenizer.eosTokenId());
            assertEquals(Optional.of("<|endoftext|>"), tokenizer.padToken());
            assertEquals(OptionalInt.of(ENDOFTEXT), tokenizer.padTokenId());
            assertEquals(Optional.empty(), tokenizer.bosToken());
            assertEquals(OptionalInt.empty(), tokenizer.bosTokenId());
            assertEquals(Optional.of("<|endoftext|>"), tokenizer.unkToken());
        }
    }

    @Test
    void shouldLookUpTokensAndIdsInVocabularyAndAddedTokens() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals(OptionalInt.of(IM_START), tokenizer.tokenToId("<|im_start|>"));
            assertEquals(Optional.of("<|im_start|>"), tokenizer.idToToken(IM_START));
            assertEquals(Optional.of("hello"), tokenizer.idToToken(256 + 3));
            assertEquals(Optional.of("Ġ"), tokenizer.idToToken(32));
            assertEquals(OptionalInt.empty(), tokenizer.tokenToId("no-such-token"));
            assertEquals(Optional.empty(), tokenizer.idToToken(100_000));
            assertEquals(Optional.empty(), tokenizer.idToToken(-1));
        }
    }

    @Test
    void shouldRenderQwen25TemplateFromConfigLikeJinja2() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        JsonNode fixture = ChatTemplateGoldenTest.load("qwen25.json").get("templates").get(0);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            for (JsonNode testCase : fixture.get("cases")) {
                List<ChatMessage> messages = new ArrayList<>();
                testCase.get("messages")
                        .forEach(m -> messages.add(ChatTemplateGoldenTest.toMessage(m)));
                String rendered =
                        tokenizer.applyChatTemplate(
                                messages,
                                testCase.get("add_generation_prompt").asBoolean(),
                                ChatTemplateGoldenTest.toMap(testCase.get("variables")));
                assertEquals(testCase.get("expected").asText(), rendered);
            }
        }
    }

    @Test
    void shouldPassExtraVariablesToTheTemplate() throws IOException {
        ObjectNode config = qwenConfig();
        config.put(
                "chat_template",
                "{% if enable_thinking is false %}<no-think>{% endif %}{{ eos_token }}|{{ tools|length }}");
        writeCheckpoint(dir, config);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            Map<String, Object> variables = new LinkedHashMap<>();
            variables.put("enable_thinking", false);
            variables.put("tools", List.of(Map.of("name", "f")));
            variables.put("eos_token", "<override>");
            assertEquals(
                    "<no-think><override>|1",
                    tokenizer.applyChatTemplate(List.of(), false, variables));
        }
    }

    @Test
    void shouldPreferChatTemplateJinjaOverTokenizerConfig() throws IOException {
        writeCheckpoint(dir, qwenConfig());
        write(dir.resolve("chat_template.jinja"), "from the jinja file\n");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals("from the jinja file", tokenizer.applyChatTemplate(List.of(), false));
        }
    }

    @Test
    void shouldPickToolUseTemplateWhenToolsArePassed() throws IOException {
        ObjectNode config = qwenConfig();
        ArrayNode templates = config.putArray("chat_template");
        templates.addObject().put("name", "default").put("template", "plain");
        templates.addObject().put("name", "tool_use").put("template", "tools: {{ tools|length }}");
        writeCheckpoint(dir, config);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals("plain", tokenizer.applyChatTemplate(List.of(), false));
            assertEquals(
                    "tools: 2",
                    tokenizer.applyChatTemplate(
                            List.of(), false, Map.of("tools", List.of("a", "b"))));
        }
    }

    @Test
    void shouldCleanUpTokenizationSpacesForNonBpeModelsWhenConfigured() throws IOException {
        write(dir.resolve("tokenizer.json"), wordLevel().toString());
        write(
                dir.resolve("tokenizer_config.json"),
                "{\"clean_up_tokenization_spaces\": true, \"unk_token\": \"[UNK]\"}");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] ids = tokenizer.encode("hello , world .", false);
            assertEquals(4, ids.length);
            assertEquals("hello, world.", tokenizer.decode(ids, false));
        }
    }

    @Test
    void shouldFailNamingTokenizerJsonWhenItIsMissing() {
        TokenizerException error =
                assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer.json"), error.file());
        assertTrue(error.getMessage().contains("tokenizer.json: missing"), error.getMessage());
    }

    @Test
    void shouldFailNamingTokenizerJsonWhenItIsNotATokenizer() throws IOException {
        write(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
        TokenizerException error =
                assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer.json"), error.file());
        assertTrue(error.getMessage().contains("no model.vocab"), error.getMessage());
    }

    @Test
    void shouldFailNamingTokenizerConfigWhenItIsMalformed() throws IOException {
        write(dir.resolve("tokenizer.json"), byteLevelBpe().toString());
        write(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\",,}");
        TokenizerException error =
                assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json"), error.file());
        assertTrue(error.getMessage().contains("not valid JSON"), error.getMessage());
        assertTrue(error.getMessage().contains("line 1"), error.getMessage());
    }

    @Test
    void shouldFailNamingTheKeyWhenASpecialTokenHasTheWrongType() throws IOException {
        write(dir.resolve("tokenizer.json"), byteLevelBpe().toString());
        write(dir.resolve("tokenizer_config.json"), "{\"eos_token\": 7}");
        TokenizerException error =
                assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(error.getMessage().contains("tokenizer_config.json"), error.getMessage());
        assertTrue(error.getMessage().contains("'eos_token'"), error.getMessage());
    }

    @Test
    void shouldFailNamingTokenizerConfigWhenTheChatTemplateIsMissing() throws IOException {
        ObjectNode config = qwenConfig();
        config.remove("chat_template");
        writeCheckpoint(dir, config);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertTrue(tokenizer.encode("hello", false).length > 0);
            TokenizerException error =
                    assertThrows(
                            TokenizerException.class,
                            () -> tokenizer.applyChatTemplate(List.of(), true));
            assertEquals(dir.resolve("tokenizer_config.json"), error.file());
            assertTrue(error.getMessage().contains("no chat template"), error.getMessage());
        }
    }

    @Test
    void shouldFailWithoutTokenizerConfigOnlyWhenAChatTemplateIsNeeded() throws IOException {
        write(dir.resolve("tokenizer.json"), byteLevelBpe().toString());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals(Optional.empty(), tokenizer.eosToken());
            TokenizerException error =
                    assertThrows(
                            TokenizerException.class,
                            () -> tokenizer.applyChatTemplate(List.of(), true));
            assertTrue(error.getMessage().contains("tokenizer_config.json"), error.getMessage());
            assertTrue(error.getMessage().contains("missing"), error.getMessage());
        }
    }

    @Test
    void shouldReportABrokenChatTemplateWhenItIsUsedNamingTheConfigFile() throws IOException {
        ObjectNode config = qwenConfig();
        config.put("chat_template", "line one\n{{ messages|nosuchfilter }}");
        writeCheckpoint(dir, config);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            ChatTemplateException error =
                    assertThrows(
                            ChatTemplateException.class,
                            () -> tokenizer.applyChatTemplate(List.of(), true));
            assertTrue(
                    error.sourceName().startsWith(dir.resolve("tokenizer_config.json").toString()),
                    error.sourceName());
            assertTrue(error.getMessage().contains("nosuchfilter"), error.getMessage());
        }
    }

    // ------------------------------------------------------------------ fixtures

    private static int count(int[] ids, int id) {
        return (int) Arrays.stream(ids).filter(i -> i == id).count();
    }

    private static ObjectNode qwenConfig() throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.putNull("bos_token");
        ObjectNode eos = config.putObject("eos_token");
        eos.put("__type", "AddedToken").put("content", "<|im_end|>").put("special", true);
        config.put("pad_token", "<|endoftext|>");
        config.put("unk_token", "<|endoftext|>");
        config.put("add_bos_token", false);
        config.put("clean_up_tokenization_spaces", false);
        config.put(
                "chat_template",
                ChatTemplateGoldenTest.load("qwen25.json")
                        .get("templates")
                        .get(0)
                        .get("template")
                        .asText());
        return config;
    }

    private static void writeCheckpoint(Path dir, ObjectNode config) throws IOException {
        write(dir.resolve("tokenizer.json"), byteLevelBpe().toString());
        write(dir.resolve("tokenizer_config.json"), config.toString());
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * GPT-2's byte-to-symbol map: printable bytes stand for themselves, the others for code points
     * from 256 up, so that every byte is one visible symbol ({@code Ġ} is the space).
     */
    private static String[] byteSymbols() {
        List<Integer> printable = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                printable.add(b);
            }
        }
        String[] symbols = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            int cp = printable.contains(b) ? b : next++;
            symbols[b] = new String(Character.toChars(cp));
        }
        return symbols;
    }

    /** A byte-level BPE tokenizer.json in the layout the tokenizers library writes. */
    private static ObjectNode byteLevelBpe() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] special = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
        for (int i = 0; i < special.length; i++) {
            added.addObject()
                    .put("id", ENDOFTEXT + i)
                    .put("content", special[i])
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel());
        root.set("post_processor", byteLevel());
        root.set("decoder", byteLevel());
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        String[] symbols = byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], b);
        }
        ArrayNode merges = model.putArray("merges");
        for (int i = 0; i < MERGES.size(); i++) {
            vocab.put(MERGES.get(i).replace(" ", ""), 256 + i);
            merges.add(MERGES.get(i));
        }
        return root;
    }

    private static ObjectNode byteLevel() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", true);
        node.put("use_regex", true);
        return node;
    }

    /** A post-processor that puts {@code <|endoftext|>} before each sequence, as a BOS would. */
    private static ObjectNode bosTemplateProcessing() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "TemplateProcessing");
        ArrayNode single = node.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<|endoftext|>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = node.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<|endoftext|>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode token = node.putObject("special_tokens").putObject("<|endoftext|>");
        token.put("id", "<|endoftext|>");
        token.putArray("ids").add(ENDOFTEXT);
        token.putArray("tokens").add("<|endoftext|>");
        return node;
    }

    /** A WordLevel tokenizer that splits on whitespace and joins with spaces when decoding. */
    private static ObjectNode wordLevel() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putArray("added_tokens")
                .addObject()
                .put("id", 0)
                .put("content", "[UNK]")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.put("unk_token", "[UNK]");
        ObjectNode vocab = model.putObject("vocab");
        String[] words = {"[UNK]", "hello", ",", "world", "."};
        for (int i = 0; i < words.length; i++) {
            vocab.put(words[i], i);
        }
        return root;
    }
}
