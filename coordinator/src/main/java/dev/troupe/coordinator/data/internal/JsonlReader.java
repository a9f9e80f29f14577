package dev.troupe.coordinator.data.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.coordinator.data.BadLine;
import dev.troupe.coordinator.data.DatasetException;
import dev.troupe.coordinator.data.JsonlDataset;
import dev.troupe.coordinator.internal.Utf8Lines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loop shared by the JSONL loaders: one JSON value per line, each parsed on its own; a line
 * that is empty, not UTF-8, not JSON, or that the format's parser rejects is skipped and recorded.
 */
public final class JsonlReader {
    private static final ObjectMapper JSON =
            new ObjectMapper()
                    // {"a": 1} {"b": 2} on one line is two values, not one with trailing text.
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    // {"answer": "1", "answer": "2"} is ambiguous; say so rather than keep one.
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonlReader() {}

    /** Turns one line's JSON value into an example, or says what is wrong with it. */
    @FunctionalInterface
    public interface LineParser<T> {
        T parse(JsonNode value, long lineNumber) throws BadLineException;
    }

    /** A line's problem; the reader adds the file and line number. */
    public static final class BadLineException extends Exception {
        private static final long serialVersionUID = 1L;

        public BadLineException(String problem) {
            super(problem);
        }
    }

    /**
     * Reads {@code file}. Fails only if the file cannot be read or has no good line at all.
     *
     * @param what what the file should hold, for messages: {@code "GSM8K JSONL"}
     */
    public static <T> JsonlDataset<T> read(Path file, String what, LineParser<T> parser) {
        List<T> examples = new ArrayList<>();
        List<BadLine> badLines = new ArrayList<>();
        long skipped = 0;
        try (InputStream in = Files.newInputStream(file)) {
            Utf8Lines lines = new Utf8Lines(in);
            Utf8Lines.Line line;
            while ((line = lines.next()) != null) {
                try {
                    examples.add(parser.parse(parseJson(line), line.number()));
                } catch (BadLineException e) {
                    skipped++;
                    if (badLines.size() < JsonlDataset.MAX_KEPT_BAD_LINES) {
                        badLines.add(new BadLine(file, line.number(), e.getMessage()));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException(file, "no such file (expected " + what + ")", e);
        } catch (IOException e) {
            throw new DatasetException(file, "cannot read: " + e, e);
        }
        if (examples.isEmpty()) {
            String first = badLines.isEmpty() ? "the file is empty" : "first: " + badLines.get(0);
            throw new DatasetException(
                    file,
                    "no usable line of "
                            + what
                            + " ("
                            + skipped
                            + (skipped == 1 ? " line" : " lines")
                            + " skipped; "
                            + first
                            + ")");
        }
        return new JsonlDataset<>(file, examples, badLines, skipped);
    }

    private static JsonNode parseJson(Utf8Lines.Line line) throws BadLineException {
        if (line.text() == null) {
            throw new BadLineException("not valid UTF-8");
        }
        if (line.text().isBlank()) {
            throw new BadLineException("empty line");
        }
        try {
            return JSON.readTree(line.text());
        } catch (JsonProcessingException e) {
            String where =
                    e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new BadLineException("not JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    /** A JSON object, or a {@link BadLineException} naming what the value is instead. */
    public static JsonNode requireObject(JsonNode value, String what) throws BadLineException {
        if (!value.isObject()) {
            throw new BadLineException(what + " is " + describe(value) + ", not a JSON object");
        }
        return value;
    }

    /** A non-blank string field of {@code object}. */
    public static String requireString(JsonNode object, String field, String where)
            throws BadLineException {
        JsonNode value = object.get(field);
        if (value == null) {
            throw new BadLineException(where + "missing field \"" + field + "\"");
        }
        if (!value.isTextual()) {
            throw new BadLineException(
                    where + "field \"" + field + "\" is " + describe(value) + ", not a string");
        }
        if (value.asText().isBlank()) {
            throw new BadLineException(where + "field \"" + field + "\" is empty");
        }
        return value.asText();
    }

    /** {@code a number}, {@code an array}, {@code null}... */
    public static String describe(JsonNode value) {
        switch (value.getNodeType()) {
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            case NULL:
                return "null";
            case BOOLEAN:
                return "a boolean";
            case NUMBER:
                return "a number";
            case STRING:
                return "a string";
            default:
                return value.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }
}
