package dev.troupe.coordinator.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.coordinator.data.internal.JsonlReader;
import dev.troupe.coordinator.data.internal.JsonlReader.BadLineException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads chat JSONL for SFT: one conversation per line, either a JSON array of messages or an object
 * whose {@code "messages"} field is that array (the layout of TRL and OpenAI fine-tuning files):
 *
 * <pre>{@code
 * [{"role": "user", "content": "What is 2 + 3?"}, {"role": "assistant", "content": "<answer>5</answer>"}]
 * {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", ...}, {"role": "assistant", ...}]}
 * }</pre>
 *
 * <p>Each message needs a {@code role} of {@code system}, {@code user} or {@code assistant} and a
 * non-empty string {@code content}; other message fields are ignored. A system message may only
 * come first, and a conversation needs at least one assistant message (the loss is on the tokens of
 * every assistant message and on nothing else, so without one there is nothing to learn; see {@code
 * PromptEncoder#sft}). A line that breaks a rule is skipped and recorded with its line number and
 * the offending message's index, e.g. {@code messages[1]: role "bot" is not one of system, user,
 * assistant}.
 */
public final class ChatJsonl {
    private ChatJsonl() {}

    /** Reads the file; fails only if it cannot be read or holds no good line. */
    public static JsonlDataset<Conversation> load(Path file) {
        String fileName = file.getFileName().toString();
        return JsonlReader.read(
                file, "chat JSONL", (value, line) -> toConversation(value, fileName, line));
    }

    private static Conversation toConversation(JsonNode value, String fileName, long line)
            throws BadLineException {
        JsonNode messages = value;
        if (value.isObject()) {
            messages = value.get("messages");
            if (messages == null) {
                throw new BadLineException(
                        "an object line needs a \"messages\" field (or write the line as a JSON"
                                + " array of messages)");
            }
        }
        if (!messages.isArray()) {
            throw new BadLineException(
                    (value.isObject() ? "field \"messages\"" : "the line")
                            + " is "
                            + JsonlReader.describe(messages)
                            + ", not a JSON array of messages");
        }
        if (messages.isEmpty()) {
            throw new BadLineException("no messages");
        }
        List<ChatTurn> turns = new ArrayList<>(messages.size());
        boolean hasAssistant = false;
        for (int i = 0; i < messages.size(); i++) {
            String where = "messages[" + i + "]: ";
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw new BadLineException(
                        where + "is " + JsonlReader.describe(message) + ", not an object");
            }
            String roleName = JsonlReader.requireString(message, "role", where);
            ChatRole role =
                    ChatRole.fromWireName(roleName)
                            .orElseThrow(
                                    () ->
                                            new BadLineException(
                                                    where
                                                            + "role \""
                                                            + roleName
                                                            + "\" is not one of system, user,"
                                                            + " assistant"));
            if (role == ChatRole.SYSTEM && i > 0) {
                throw new BadLineException(where + "a system message may only come first");
            }
            hasAssistant |= role == ChatRole.ASSISTANT;
            turns.add(new ChatTurn(role, JsonlReader.requireString(message, "content", where)));
        }
        if (!hasAssistant) {
            throw new BadLineException(
                    "no assistant message (SFT trains on assistant tokens only)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("file", fileName);
        metadata.put("line", Long.toString(line));
        return new Conversation(fileName + ":" + line, turns, metadata);
    }
}
