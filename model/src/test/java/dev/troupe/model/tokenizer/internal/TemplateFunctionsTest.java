package dev.troupe.model.tokenizer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The template globals and the slicing function, against Python's results. */
class TemplateFunctionsTest {

    @Test
    void shouldFormatTimesLikePythonStrftime() throws IOException {
        JsonNode strftime;
        try (InputStream in = getClass().getResourceAsStream("/chat_templates/features.json")) {
            strftime = new ObjectMapper().readTree(in).get("strftime");
        }
        LocalDateTime time = LocalDateTime.parse(strftime.get("time").asText());
        for (JsonNode testCase : strftime.get("cases")) {
            assertEquals(
                    testCase.get("expected").asText(),
                    TemplateFunctions.strftime(time, testCase.get("format").asText()),
                    testCase.get("format").asText());
        }
    }

    @Test
    void shouldSliceStringsAndListsLikePython() {
        String s = "abcdef";
        List<Long> xs = List.of(1L, 2L, 3L, 4L, 5L);
        assertEquals("fedcba", TemplateFunctions.slice(s, null, null, -1L));
        assertEquals("ace", TemplateFunctions.slice(s, null, null, 2L));
        assertEquals("bdf", TemplateFunctions.slice(s, 1L, null, 2L));
        assertEquals("def", TemplateFunctions.slice(s, -3L, null, null));
        assertEquals("fd", TemplateFunctions.slice(s, 5L, 1L, -2L));
        assertEquals("", TemplateFunctions.slice(s, 10L, null, null));
        assertEquals("fdb", TemplateFunctions.slice(s, null, null, -2L));
        assertEquals("ab", TemplateFunctions.slice(s, -100L, 2L, null));
        assertEquals(List.of(5L, 4L, 3L, 2L, 1L), TemplateFunctions.slice(xs, null, null, -1L));
        assertEquals(List.of(4L, 3L), TemplateFunctions.slice(xs, 3L, 1L, -1L));
        assertEquals(List.of(1L, 4L), TemplateFunctions.slice(xs, null, null, 3L));
        assertEquals(List.of(4L, 3L, 2L, 1L), TemplateFunctions.slice(xs, -2L, null, -1L));
        assertEquals(List.of(5L, 3L, 1L), TemplateFunctions.slice(xs, null, -10L, -2L));
        assertThrows(
                IllegalArgumentException.class, () -> TemplateFunctions.slice(xs, null, null, 0L));
    }

    @Test
    void shouldRaiseWithTheTemplatesMessage() {
        RuntimeException error =
                assertThrows(
                        TemplateFunctions.TemplateRaisedException.class,
                        () -> TemplateFunctions.raiseException("Roles must alternate"));
        assertEquals("Roles must alternate", error.getMessage());
    }
}
