package dev.troupe.coordinator.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.troupe.coordinator.internal.FieldException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {
    static final Problem PROBLEM = new Problem("p", "What is 2 + 3?", "5", Map.of());

    private static PromptTemplate template(String text, PromptFormat format, String system) {
        return PromptTemplate.of(new PromptConfig(text, format, system));
    }

    @Test
    void shouldRenderTheQuestionIntoPlainText() {
        PromptTemplate t =
                template("Q: {question}\nAnswer in <answer></answer>.", PromptFormat.PLAIN, "");
        assertEquals(
                new Prompt.Text("Q: What is 2 + 3?\nAnswer in <answer></answer>."),
                t.render(PROBLEM));
    }

    @Test
    void shouldRenderAChatUserMessageAfterTheSystemMessage() {
        assertEquals(
                new Prompt.Chat(
                        List.of(ChatTurn.system("Be brief."), ChatTurn.user("What is 2 + 3?"))),
                template("{question}", PromptFormat.CHAT, "Be brief.").render(PROBLEM));
        assertEquals(
                List.of(ChatTurn.user("What is 2 + 3?")),
                template("{question}", PromptFormat.CHAT, "").renderChat(PROBLEM));
    }

    @Test
    void shouldTreatDoubledBracesAsLiteralAndInsertValuesVerbatim() {
        Problem braces = new Problem("p", "Is {x} a set?", "yes", Map.of());
        assertEquals(
                "{{json}} {\"q\": \"Is {x} a set?\"}",
                template("{{{{json}}}} {{\"q\": \"{question}\"}}", PromptFormat.PLAIN, "")
                        .renderText(braces));
    }

    @Test
    void shouldFailOnAnUnknownPlaceholderNamingTheTemplateField() {
        // DataConfigTest checks that config reading turns the field into the full key.
        FieldException e =
                assertThrows(
                        FieldException.class,
                        () -> template("{question} {answer}", PromptFormat.CHAT, ""));
        assertEquals("template", e.field());
        assertEquals(
                "template: unknown placeholder {answer} at character 11; known: {question}",
                e.getMessage());
    }

    @Test
    void shouldFailOnStrayBracesAndATemplateWithoutTheQuestion() {
        assertEquals(
                "unclosed '{' at character 3; write '{{' for a literal brace",
                assertThrows(
                                FieldException.class,
                                () -> template("Q: {question", PromptFormat.CHAT, ""))
                        .problem());
        assertEquals(
                "single '}' at character 12; write '}}' for a literal brace",
                assertThrows(
                                FieldException.class,
                                () -> template("{question} x}", PromptFormat.CHAT, ""))
                        .problem());
        assertEquals(
                "bad placeholder { question } at character 0: a placeholder is a name of"
                        + " letters, digits and _; write '{{' and '}}' for literal braces",
                assertThrows(
                                FieldException.class,
                                () -> template("{ question }", PromptFormat.CHAT, ""))
                        .problem());
        assertEquals(
                "the template has no {question}",
                assertThrows(
                                FieldException.class,
                                () -> template("Solve it.", PromptFormat.CHAT, ""))
                        .problem());
    }

    @Test
    void shouldRefuseASystemMessageInPlainFormat() {
        FieldException e =
                assertThrows(
                        FieldException.class,
                        () -> template("{question}", PromptFormat.PLAIN, "Be brief."));
        assertEquals("system", e.field());
    }
}
