package dev.troupe.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Errors and contracts of {@link ChatTemplate}; rendering itself is in the golden tests. */
class ChatTemplateTest {

    private static final List<ChatMessage> CHAT =
            List.of(new ChatMessage("user", "hi"), new ChatMessage("assistant", "yo"));

    @Test
    void shouldFailWithTheTemplatesMessageWhenItCallsRaiseException() {
        ChatTemplate template =
                ChatTemplate.compile(
                        "ok {% if messages|length > 1 %}{{ raise_exception('Only one message,"
                                + " please!') }}{% endif %}",
                        "config.json");
        ChatTemplateException error =
                assertThrows(
                        ChatTemplateException.class, () -> template.render(CHAT, false, Map.of()));
        assertEquals("Only one message, please!", error.problem());
        assertEquals("config.json", error.sourceName());
        assertEquals("config.json: Only one message, please!", error.getMessage());
    }

    @Test
    void shouldNameSourceAndLineOfASyntaxError() {
        ChatTemplateException unclosed =
                assertThrows(
                        ChatTemplateException.class,
                        () -> ChatTemplate.compile("a\n{% for m in messages %}\nb", "t.jinja"));
        assertTrue(unclosed.getMessage().startsWith("t.jinja: line "), unclosed.getMessage());
        assertTrue(unclosed.getMessage().contains("endfor"), unclosed.getMessage());

        ChatTemplateException string =
                assertThrows(
                        ChatTemplateException.class,
                        () -> ChatTemplate.compile("a\nb\n{{ 'open }}", "t.jinja"));
        assertTrue(string.getMessage().startsWith("t.jinja: line 3: "), string.getMessage());
    }

    @Test
    void shouldNameTheSourceLineOfAnExpressionErrorAtRenderTime() {
        ChatTemplate template =
                ChatTemplate.compile("line 1\n{% if true %}\n{{ 1 + }}\n{% endif %}", "t.jinja");
        ChatTemplateException error =
                assertThrows(
                        ChatTemplateException.class, () -> template.render(CHAT, false, Map.of()));
        assertTrue(error.getMessage().startsWith("t.jinja: line 3: "), error.getMessage());
    }

    @Test
    void shouldRefuseUnknownFiltersAndTestsWhenCompiling() {
        ChatTemplateException filter =
                assertThrows(
                        ChatTemplateException.class,
                        () -> ChatTemplate.compile("{{ messages|shout }}", "t.jinja"));
        assertEquals("no filter named 'shout'", filter.problem());
        ChatTemplateException test =
                assertThrows(
                        ChatTemplateException.class,
                        () -> ChatTemplate.compile("{{ messages is loud }}", "t.jinja"));
        assertEquals("no test named 'loud'", test.problem());
    }

    @Test
    void shouldRefuseLoopFeaturesJinjavaWouldSilentlyIgnore() {
        for (String source :
                List.of(
                        "{% for m in messages if m.role == 'user' %}{{ m }}{% endfor %}",
                        "{% for m in messages %}{{ m }}{% else %}none{% endfor %}",
                        "{% for m in messages recursive %}{{ m }}{% endfor %}",
                        "{% for m in messages %}{{ loop.previtem }}{% endfor %}")) {
            ChatTemplateException error =
                    assertThrows(
                            ChatTemplateException.class,
                            () -> ChatTemplate.compile(source, "t.jinja"),
                            source);
            assertTrue(error.problem().contains("unsupported"), error.getMessage());
        }
    }

    @Test
    void shouldFailInsteadOfLoadingOtherTemplates() {
        ChatTemplate template = ChatTemplate.compile("{% include 'other.jinja' %}", "t.jinja");
        ChatTemplateException error =
                assertThrows(
                        ChatTemplateException.class, () -> template.render(CHAT, false, Map.of()));
        assertTrue(error.getMessage().contains("no loader"), error.getMessage());
    }

    @Test
    void shouldRejectVariablesTheRendererSets() {
        ChatTemplate template = ChatTemplate.compile("{{ messages|length }}", "t.jinja");
        assertThrows(
                IllegalArgumentException.class,
                () -> template.render(CHAT, false, Map.of("messages", List.of())));
        assertThrows(
                IllegalArgumentException.class,
                () -> template.render(CHAT, false, Map.of("add_generation_prompt", true)));
    }

    @Test
    void shouldPassMessageExtrasToTheTemplate() {
        ChatTemplate template =
                ChatTemplate.compile(
                        "{% for m in messages %}{{ m.role }}:{{ m.content }}:"
                                + "{{ m.tool_calls[0].function.arguments|tojson }};{% endfor %}",
                        "t.jinja");
        ChatMessage call =
                new ChatMessage(
                        "assistant",
                        null,
                        Map.of(
                                "tool_calls",
                                List.of(
                                        Map.of(
                                                "function",
                                                Map.of(
                                                        "name",
                                                        "f",
                                                        "arguments",
                                                        Map.of("x", 1))))));
        assertEquals("assistant::{\"x\": 1};", template.render(List.of(call), false, Map.of()));
    }

    @Test
    void shouldRenderTheSameFromManyThreads() throws Exception {
        ChatTemplate template =
                ChatTemplate.compile(
                        "{% for m in messages %}<{{ m.role }}>{{ m.content.upper() }}{% endfor %}",
                        "t.jinja");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> template.render(CHAT, false, Map.of())));
            }
            for (Future<String> result : results) {
                assertEquals("<user>HI<assistant>YO", result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
