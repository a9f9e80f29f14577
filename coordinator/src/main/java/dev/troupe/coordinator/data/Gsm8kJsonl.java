package dev.troupe.coordinator.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.coordinator.data.internal.JsonlReader;
import dev.troupe.coordinator.data.internal.JsonlReader.BadLineException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads GSM8K-format JSONL: one {@code {"question": ..., "answer": ...}} object per line, where the
 * answer is a worked solution whose last line is {@code #### <number>}.
 *
 * <p>Worked example: the line
 *
 * <pre>{@code
 * {"question": "Natalia sold clips to 48 ...", "answer": "Natalia sold 48/2 = 24 clips in May.\n... #### 72"}
 * }</pre>
 *
 * at line 1 of {@code train.jsonl} becomes the {@link Problem} {@code train.jsonl:1} with reference
 * answer {@code "72"} and metadata {@code file=train.jsonl}, {@code line=1}, {@code solution=<the
 * whole answer field>}. Thousands separators are dropped ({@code #### 1,200} gives {@code "1200"});
 * a sign and a decimal part are kept. Other fields on the line are ignored.
 *
 * <p>A line that is empty, not JSON, not an object, lacks {@code question} or {@code answer}, or
 * whose answer has no {@code #### <number>} is skipped and recorded with its line number (see
 * {@link JsonlDataset}).
 */
public final class Gsm8kJsonl {
    /** The final-answer marker: the number after the last {@code ####}. */
    private static final Pattern FINAL_ANSWER = Pattern.compile("####\\s*(\\S+)\\s*$");

    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d+(\\.\\d+)?");

    private Gsm8kJsonl() {}

    /** Reads the file; fails only if it cannot be read or holds no good line. */
    public static JsonlDataset<Problem> load(Path file) {
        String fileName = file.getFileName().toString();
        return JsonlReader.read(
                file, "GSM8K JSONL", (value, line) -> toProblem(value, fileName, line));
    }

    private static Problem toProblem(JsonNode value, String fileName, long line)
            throws BadLineException {
        JsonlReader.requireObject(value, "the line");
        String question = JsonlReader.requireString(value, "question", "");
        String answer = JsonlReader.requireString(value, "answer", "");
        String reference =
                finalAnswer(answer)
                        .orElseThrow(
                                () ->
                                        new BadLineException(
                                                "field \"answer\" does not end with"
                                                        + " \"#### <number>\""));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("file", fileName);
        metadata.put("line", Long.toString(line));
        metadata.put("solution", answer);
        return new Problem(fileName + ":" + line, question, reference, metadata);
    }

    /**
     * The number after the last {@code ####} of a GSM8K answer, without thousands separators or a
     * leading {@code +}: {@code "... #### 1,200"} gives {@code "1200"}; empty if there is none.
     */
    public static Optional<String> finalAnswer(String answer) {
        Matcher m = FINAL_ANSWER.matcher(answer);
        if (!m.find()) {
            return Optional.empty();
        }
        String number = m.group(1).replace(",", "");
        if (!NUMBER.matcher(number).matches()) {
            return Optional.empty();
        }
        return Optional.of(number.startsWith("+") ? number.substring(1) : number);
    }
}
