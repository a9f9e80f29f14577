package dev.troupe.coordinator.data;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatJsonlTest {
    @TempDir Path dir;

    private Path write(String... lines) throws IOException {
        Path file = dir.resolve("sft.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n", UTF_8);
        return file;
    }

    private static final String GOOD =
            "[{\"role\": \"user\", \"content\": \"What is 2 + 3?\"},"
                    + " {\"role\": \"assistant\", \"content\": \"<answer>5</answer>\"}]";

    @Test
    void shouldReadAnArrayOfMessagesAndAnObjectWithMessages() throws IOException {
        Path file =
                write(
                        GOOD,
                        "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                + " {\"role\": \"user\", \"content\": \"Hi\", \"name\": \"x\"},"
                                + " {\"role\": \"assistant\", \"content\": \"Hello\"},"
                                + " {\"role\": \"user\", \"content\": \"Bye\"},"
                                + " {\"role\": \"assistant\", \"content\": \"Bye\"}]}");

        JsonlDataset<Conversation> data = ChatJsonl.load(file);

        assertEquals(2, data.size());
        assertEquals(0, data.skippedLines());
        assertEquals(
                List.of(ChatTurn.user("What is 2 + 3?"), ChatTurn.assistant("<answer>5</answer>")),
                data.get(0).turns());
        assertEquals("sft.jsonl:1", data.get(0).id());
        Conversation second = data.get(1);
        assertEquals(ChatRole.SYSTEM, second.turns().get(0).role());
        assertEquals(5, second.turns().size());
        assertEquals("2", second.metadata().get("line"));
    }

    @Test
    void shouldSkipBadConversationsNamingTheLineAndTheMessage() throws IOException {
        Path file =
                write(
                        GOOD,
                        "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"bot\","
                                + " \"content\": \"b\"}]",
                        "[{\"role\": \"user\", \"content\": \"only a question\"}]",
                        "[{\"role\": \"user\"}, {\"role\": \"assistant\", \"content\": \"b\"}]",
                        "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"system\","
                                + " \"content\": \"late\"}, {\"role\": \"assistant\","
                                + " \"content\": \"b\"}]",
                        "[]",
                        "{\"conversation\": []}",
                        "\"text\"",
                        "[\"user: hi\"]",
                        "[{\"role\": 1, \"content\": \"a\"}]",
                        "{\"messages\": {\"role\": \"user\"}}",
                        "not json",
                        "   ");

        JsonlDataset<Conversation> data = ChatJsonl.load(file);

        assertEquals(1, data.size());
        assertEquals(12, data.skippedLines());
        assertEquals(
                List.of(
                        file
                                + ":2: messages[1]: role \"bot\" is not one of system, user,"
                                + " assistant",
                        file + ":3: no assistant message (SFT trains on assistant tokens only)",
                        file + ":4: messages[0]: missing field \"content\"",
                        file + ":5: messages[1]: a system message may only come first",
                        file + ":6: no messages",
                        file
                                + ":7: an object line needs a \"messages\" field (or write the line"
                                + " as a JSON array of messages)",
                        file + ":8: the line is a string, not a JSON array of messages",
                        file + ":9: messages[0]: is a string, not an object",
                        file + ":10: messages[0]: field \"role\" is a number, not a string",
                        file
                                + ":11: field \"messages\" is an object, not a JSON array of messages"),
                data.badLines().subList(0, 10).stream().map(BadLine::toString).toList());
        assertEquals(12, data.badLines().get(10).lineNumber());
        assertEquals("empty line", data.badLines().get(11).problem());
    }

    @Test
    void shouldFailNamingTheFileWhenNoConversationIsUsable() throws IOException {
        Path file = write("[{\"role\": \"user\", \"content\": \"a\"}]");
        DatasetException e = assertThrows(DatasetException.class, () -> ChatJsonl.load(file));
        assertEquals(
                file
                        + ": no usable line of chat JSONL (1 line skipped; first: "
                        + file
                        + ":1: no assistant message (SFT trains on assistant tokens only))",
                e.getMessage());
    }
}
