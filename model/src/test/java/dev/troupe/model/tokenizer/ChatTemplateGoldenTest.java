package dev.troupe.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Compares {@link ChatTemplate} with real Jinja2 3.1 under Hugging Face's settings, case by case.
 * The expected outputs are made by {@code scripts/fixtures/render_chat_templates.py}; see its
 * header for how to regenerate them.
 */
class ChatTemplateGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> shouldRenderQwen25TemplateLikeJinja2() throws IOException {
        return golden("qwen25.json");
    }

    @TestFactory
    Stream<DynamicTest> shouldRenderQwen3TemplateLikeJinja2() throws IOException {
        return golden("qwen3.json");
    }

    @TestFactory
    Stream<DynamicTest> shouldRenderLlama31StyleTemplateLikeJinja2() throws IOException {
        return golden("llama31_style.json");
    }

    @TestFactory
    Stream<DynamicTest> shouldRenderMistralStyleTemplateAndRaiseLikeJinja2() throws IOException {
        return golden("mistral_style.json");
    }

    @TestFactory
    Stream<DynamicTest> shouldRenderEachJinja2FeatureLikeJinja2() throws IOException {
        return golden("features.json");
    }

    private static Stream<DynamicTest> golden(String file) throws IOException {
        JsonNode doc = load(file);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode template : doc.get("templates")) {
            String name = template.get("name").asText();
            ChatTemplate compiled =
                    ChatTemplate.compile(template.get("template").asText(), file + ":" + name);
            Map<String, Object> specialTokens = toMap(template.get("special_tokens"));
            for (JsonNode testCase : template.get("cases")) {
                tests.add(
                        DynamicTest.dynamicTest(
                                name + ": " + testCase.get("name").asText(),
                                () -> check(compiled, specialTokens, testCase)));
            }
        }
        return tests.stream();
    }

    private static void check(
            ChatTemplate template, Map<String, Object> specialTokens, JsonNode testCase) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode message : testCase.get("messages")) {
            messages.add(toMessage(message));
        }
        Map<String, Object> variables = new LinkedHashMap<>(specialTokens);
        variables.putAll(toMap(testCase.get("variables")));
        boolean addGenerationPrompt = testCase.get("add_generation_prompt").asBoolean();
        if (testCase.has("expected_error")) {
            ChatTemplateException error =
                    assertThrows(
                            ChatTemplateException.class,
                            () -> template.render(messages, addGenerationPrompt, variables));
            assertEquals(testCase.get("expected_error").asText(), error.problem());
        } else {
            assertEquals(
                    testCase.get("expected").asText(),
                    template.render(messages, addGenerationPrompt, variables));
        }
    }

    static ChatMessage toMessage(JsonNode message) {
        Map<String, Object> fields = toMap(message);
        String role = (String) fields.remove("role");
        Object content = fields.remove("content");
        return new ChatMessage(role, (String) content, fields);
    }

    static Map<String, Object> toMap(JsonNode node) {
        Map<String, Object> map = new LinkedHashMap<>();
        if (node != null) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
            }
        }
        return map;
    }

    static JsonNode load(String file) throws IOException {
        try (InputStream in =
                ChatTemplateGoldenTest.class.getResourceAsStream("/chat_templates/" + file)) {
            if (in == null) {
                throw new IOException("missing test resource chat_templates/" + file);
            }
            return JSON.readTree(in);
        }
    }
}
