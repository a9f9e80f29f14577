package dev.troupe.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.testkit.RepoPaths;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixture tokenizer (a byte-level BPE trained by {@code scripts/fixtures/make_hf_fixtures.py},
 * saved by transformers 5.17 with its chat template in {@code chat_template.jinja}) encodes,
 * decodes and renders chats exactly as transformers + tokenizers 0.23 recorded.
 */
class HfTokenizerParityTest {
    static JsonNode cases() throws Exception {
        return new ObjectMapper()
                .readTree(Files.readAllBytes(RepoPaths.fixture("hf", "tokenizer_cases.json")));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void shouldEncodeAndDecodeLikeHuggingFace() throws Exception {
        try (Tokenizer tok = Tokenizer.load(RepoPaths.fixture("hf", "tokenizer"))) {
            JsonNode c = cases();
            for (JsonNode e : c.get("encodings")) {
                String text = e.get("text").asText();
                assertArrayEquals(
                        ints(e.get("ids_with_special")),
                        tok.encode(text, true),
                        "with specials: " + text);
                int[] plain = tok.encode(text, false);
                assertArrayEquals(
                        ints(e.get("ids_without_special")), plain, "without specials: " + text);
                assertEquals(
                        e.get("decoded").asText(), tok.decode(plain, false), "decode: " + text);
                assertEquals(
                        e.get("decoded_skip_special").asText(),
                        tok.decode(plain, true),
                        "decode skip: " + text);
            }
            assertEquals(c.get("eos_token_id").asInt(), tok.eosTokenId().orElseThrow());
            assertEquals(c.get("pad_token_id").asInt(), tok.padTokenId().orElseThrow());
        }
    }

    @Test
    void shouldRenderAndTokenizeChatsLikeApplyChatTemplate() throws Exception {
        try (Tokenizer tok = Tokenizer.load(RepoPaths.fixture("hf", "qwen2"))) {
            for (JsonNode chat : cases().get("chats")) {
                List<ChatMessage> messages = new ArrayList<>();
                for (JsonNode m : chat.get("messages")) {
                    messages.add(
                            new ChatMessage(m.get("role").asText(), m.get("content").asText()));
                }
                boolean agp = chat.get("add_generation_prompt").asBoolean();
                assertEquals(chat.get("rendered").asText(), tok.applyChatTemplate(messages, agp));
                assertArrayEquals(ints(chat.get("ids")), tok.encodeChat(messages, agp));
            }
        }
    }
}
