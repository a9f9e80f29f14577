package dev.troupe.coordinator.data;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gsm8kJsonlTest {
    /** The real GSM8K files, read in place (never copied into the repository). */
    static final Path GSM8K =
            Path.of(
                    Optional.ofNullable(System.getenv("TROUPE_GSM8K_DIR"))
                            .orElse("/work/shared/data/gsm8k"));

    @TempDir Path dir;

    static Path realFile(String name) {
        Path file = GSM8K.resolve(name);
        assumeTrue(
                Files.isRegularFile(file),
                "needs the GSM8K files at " + GSM8K + " (set TROUPE_GSM8K_DIR)");
        return file;
    }

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n", UTF_8);
        return file;
    }

    private static String line(String question, String answer) {
        return "{\"question\": \"" + question + "\", \"answer\": \"" + answer + "\"}";
    }

    private static JsonlDataset<Problem> realTrain;
    private static JsonlDataset<Problem> realTest;

    /** The real files, loaded once for the tests that read them. */
    static synchronized JsonlDataset<Problem> real(String name) {
        if (name.equals("train.jsonl")) {
            if (realTrain == null) {
                realTrain = Gsm8kJsonl.load(realFile(name));
            }
            return realTrain;
        }
        if (realTest == null) {
            realTest = Gsm8kJsonl.load(realFile(name));
        }
        return realTest;
    }

    @Test
    void shouldLoadEveryLineOfTheRealTrainAndTestFiles() {
        JsonlDataset<Problem> train = real("train.jsonl");
        JsonlDataset<Problem> test = real("test.jsonl");

        assertEquals(7473, train.size());
        assertEquals(0, train.skippedLines(), train.summary());
        assertEquals(1319, test.size());
        assertEquals(0, test.skippedLines(), test.summary());
    }

    @Test
    void shouldTakeTheNumberAfterTheHashesAsTheReferenceOfRealLines() {
        JsonlDataset<Problem> train = real("train.jsonl");
        JsonlDataset<Problem> test = real("test.jsonl");

        // Line numbers are 1-based; these lines hold plain, comma-grouped and negative answers.
        Map<Integer, String> trainAnswers =
                Map.of(1, "72", 2, "10", 346, "1080", 5716, "-7", 7473, "50");
        trainAnswers.forEach(
                (line, answer) -> {
                    Problem p = train.get(line - 1);
                    assertEquals("train.jsonl:" + line, p.id());
                    assertEquals(answer, p.referenceAnswer(), p.id());
                    assertEquals(Integer.toString(line), p.metadata().get("line"));
                });
        Map<Integer, String> testAnswers = Map.of(1, "18", 490, "-10", 1319, "14");
        testAnswers.forEach(
                (line, answer) -> assertEquals(answer, test.get(line - 1).referenceAnswer()));

        Problem first = train.get(0);
        assertTrue(first.question().startsWith("Natalia sold clips to 48 of her friends"));
        assertTrue(first.metadata().get("solution").endsWith("#### 72"));
        assertEquals("train.jsonl", first.metadata().get("file"));
    }

    @Test
    void shouldSkipAndCountANonJsonLineALineMissingAnswerAndAnEmptyLineNamingEachLine()
            throws IOException {
        Path file =
                write(
                        "mixed.jsonl",
                        line("What is 1 + 1?", "1 + 1 = 2\\n#### 2"),
                        "this is not json",
                        "{\"question\": \"What is 2 + 2?\"}",
                        "",
                        line("What is 3 + 3?", "#### 6"));

        JsonlDataset<Problem> data = Gsm8kJsonl.load(file);

        assertEquals(2, data.size());
        assertEquals(
                List.of("2", "6"),
                List.of(data.get(0).referenceAnswer(), data.get(1).referenceAnswer()));
        assertEquals("mixed.jsonl:5", data.get(1).id());
        assertEquals(3, data.skippedLines());
        List<BadLine> bad = data.badLines();
        assertEquals(List.of(2L, 3L, 4L), bad.stream().map(BadLine::lineNumber).toList());
        bad.forEach(b -> assertEquals(file, b.file()));
        assertTrue(bad.get(0).problem().startsWith("not JSON at column"), bad.get(0).problem());
        assertEquals("missing field \"answer\"", bad.get(1).problem());
        assertEquals("empty line", bad.get(2).problem());
        assertEquals(file + ":3: missing field \"answer\"", bad.get(1).toString());
        assertTrue(data.summary().contains("2 examples, 3 lines skipped"), data.summary());
    }

    @Test
    void shouldSkipLinesWithWrongShapesSayingWhatIsWrong() throws IOException {
        Path file =
                write(
                        "shapes.jsonl",
                        line("ok", "#### 1"),
                        "[1, 2]",
                        "{\"question\": 7, \"answer\": \"#### 1\"}",
                        "{\"question\": \"q\", \"answer\": \"no final number\"}",
                        "{\"question\": \"q\", \"answer\": \"#### many\"}",
                        "{\"question\": \"q\", \"answer\": \"#### 1\"} {\"x\": 1}",
                        "{\"question\": \"q\", \"question\": \"r\", \"answer\": \"#### 1\"}",
                        "{\"question\": \"   \", \"answer\": \"#### 1\"}");

        JsonlDataset<Problem> data = Gsm8kJsonl.load(file);

        assertEquals(1, data.size());
        List<String> problems = data.badLines().stream().map(BadLine::problem).toList();
        assertEquals("the line is an array, not a JSON object", problems.get(0));
        assertEquals("field \"question\" is a number, not a string", problems.get(1));
        assertEquals("field \"answer\" does not end with \"#### <number>\"", problems.get(2));
        assertEquals("field \"answer\" does not end with \"#### <number>\"", problems.get(3));
        assertTrue(problems.get(4).startsWith("not JSON"), problems.get(4));
        assertTrue(problems.get(5).contains("Duplicate field 'question'"), problems.get(5));
        assertEquals("field \"question\" is empty", problems.get(6));
    }

    @Test
    void shouldSkipALineThatIsNotUtf8() throws IOException {
        Path file = dir.resolve("latin1.jsonl");
        byte[] bad =
                "{\"question\": \"caf\u00e9\", \"answer\": \"#### 1\"}"
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] good = (line("ok", "#### 2") + "\n").getBytes(UTF_8);
        byte[] all = new byte[bad.length + 1 + good.length];
        System.arraycopy(bad, 0, all, 0, bad.length);
        all[bad.length] = '\n';
        System.arraycopy(good, 0, all, bad.length + 1, good.length);
        Files.write(file, all);

        JsonlDataset<Problem> data = Gsm8kJsonl.load(file);

        assertEquals(1, data.size());
        assertEquals(new BadLine(file, 1, "not valid UTF-8"), data.badLines().get(0));
    }

    @Test
    void shouldReadCrlfLinesAByteOrderMarkAndALastLineWithoutNewline() throws IOException {
        Path file = dir.resolve("crlf.jsonl");
        Files.writeString(
                file, "\uFEFF" + line("a", "#### 1") + "\r\n" + line("b", "#### 2"), UTF_8);

        JsonlDataset<Problem> data = Gsm8kJsonl.load(file);

        assertEquals(2, data.size());
        assertEquals(0, data.skippedLines());
        assertEquals("2", data.get(1).referenceAnswer());
    }

    @Test
    void shouldFailNamingTheFileWhenItIsMissing() {
        Path missing = dir.resolve("nope.jsonl");
        DatasetException e = assertThrows(DatasetException.class, () -> Gsm8kJsonl.load(missing));
        assertTrue(e.getMessage().startsWith(missing + ": no such file"), e.getMessage());
    }

    @Test
    void shouldFailWhenNoLineIsUsableQuotingTheFirstProblem() throws IOException {
        Path file = write("bad.jsonl", "nope", "{}");
        DatasetException e = assertThrows(DatasetException.class, () -> Gsm8kJsonl.load(file));
        assertTrue(e.getMessage().contains("2 lines skipped"), e.getMessage());
        assertTrue(e.getMessage().contains(file + ":1: not JSON"), e.getMessage());
    }

    @Test
    void shouldDropThousandsSeparatorsAndAPlusSignButKeepAMinusAndDecimals() {
        assertEquals(Optional.of("1200"), Gsm8kJsonl.finalAnswer("so\n#### 1,200"));
        assertEquals(Optional.of("-7"), Gsm8kJsonl.finalAnswer("#### -7"));
        assertEquals(Optional.of("3"), Gsm8kJsonl.finalAnswer("#### +3 "));
        assertEquals(Optional.of("2.5"), Gsm8kJsonl.finalAnswer("#### 2.5"));
        assertEquals(Optional.of("9"), Gsm8kJsonl.finalAnswer("#### 4 is wrong\n#### 9"));
        assertEquals(Optional.empty(), Gsm8kJsonl.finalAnswer("72"));
        assertEquals(Optional.empty(), Gsm8kJsonl.finalAnswer("#### 1,200 dollars"));
    }
}
