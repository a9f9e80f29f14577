package dev.troupe.coordinator.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DataConfigTest {

    private static Config config(String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    private static String failure(String hocon) {
        return assertThrows(ConfigException.class, () -> DataConfig.from(config(hocon)))
                .getMessage();
    }

    @Test
    void shouldReadTheReferenceDefaults() {
        DataConfig c = DataConfig.from(config(""));

        assertEquals(DataSource.ARITHMETIC, c.source());
        assertEquals(0, c.seed());
        assertTrue(c.shuffle());
        assertEquals(Optional.empty(), c.gsm8kTrain());
        assertEquals(new PromptConfig("{question}", PromptFormat.CHAT, ""), c.prompt());
        assertEquals(ArithmeticTasksTest.defaults(100_000, 200), c.arithmetic());
        assertEquals(
                new SftConfig(Optional.empty(), "{reasoning}<answer>{answer}</answer>", false, 0),
                c.sft());
        assertEquals(100_000, c.trainProblems().size());
        assertEquals(200, c.testProblems().size());
        assertEquals(100_000, c.sftConversations().size());
    }

    @Test
    void shouldReadEveryKeySet() {
        DataConfig c =
                DataConfig.from(
                        config(
                                "troupe.data { source = gsm8k, seed = 12, shuffle = false,"
                                        + " gsm8k { train-path = \"a.jsonl\", test-path ="
                                        + " \"b.jsonl\" },"
                                        + " prompt { template = \"Q: {question}\", format ="
                                        + " plain },"
                                        + " arithmetic { operations = [\"*\"], min-digits = 2,"
                                        + " max-digits = 3, min-operands = 3, max-operands = 4,"
                                        + " allow-negative = true, test-share = 0.25,"
                                        + " train-size = 10, test-size = 5 },"
                                        + " sft { path = \"c.jsonl\", response-template ="
                                        + " \"{answer}\", include-reasoning = true,"
                                        + " wrong-answer-fraction = 0.5, wrong-answer-offset ="
                                        + " 2, wrong-answer-in-reasoning = false,"
                                        + " wrong-answer-kind = skip-last-step } }"));

        assertEquals(DataSource.GSM8K, c.source());
        assertEquals(12, c.seed());
        assertEquals(false, c.shuffle());
        assertEquals(Optional.of(Path.of("a.jsonl")), c.gsm8kTrain());
        assertEquals(Optional.of(Path.of("b.jsonl")), c.gsm8kTest());
        assertEquals(new PromptConfig("Q: {question}", PromptFormat.PLAIN, ""), c.prompt());
        assertEquals(
                new ArithmeticTaskConfig(List.of(Operation.TIMES), 2, 3, 3, 4, true, 0.25, 10, 5),
                c.arithmetic());
        assertEquals(
                new SftConfig(
                        Optional.of(Path.of("c.jsonl")),
                        "{answer}",
                        true,
                        0.5,
                        2,
                        false,
                        WrongAnswerKind.SKIP_LAST_STEP),
                c.sft());
    }

    @Test
    void shouldLoadTheRealGsm8kFilesNamedInConfig() {
        Path train = Gsm8kJsonlTest.realFile("train.jsonl");
        Path test = Gsm8kJsonlTest.realFile("test.jsonl");
        DataConfig c =
                DataConfig.from(
                        config(
                                "troupe.data { source = gsm8k, gsm8k { train-path = \""
                                        + train
                                        + "\", test-path = \""
                                        + test
                                        + "\" } }"));
        assertEquals(7473, c.trainProblems().size());
        assertEquals(1319, c.testProblems().size());
    }

    @Test
    void shouldFailOnAnUnknownKeyNamingIt() {
        String message = failure("troupe.data.arithmetic.max-digit = 3");
        assertTrue(message.contains("troupe.data.arithmetic.max-digit"), message);
        assertTrue(message.contains("unknown key"), message);
    }

    @Test
    void shouldFailOnABadValueNamingTheKeyAndWhereItWasSet() {
        String message = failure("\n\ntroupe.data.arithmetic.max-digits = 12");
        assertTrue(message.contains("String: 3"), message);
        assertTrue(message.contains("troupe.data.arithmetic.max-digits"), message);
        assertTrue(message.contains("12 is outside [1, 9]"), message);
    }

    @Test
    void shouldFailOnAnUnknownOperationOrChoiceListingTheValidOnes() {
        String operation = failure("troupe.data.arithmetic.operations = [\"+\", \"/\"]");
        assertTrue(operation.contains("troupe.data.arithmetic.operations"), operation);
        assertTrue(operation.contains("'/' is not one of \"+\", \"-\", \"*\""), operation);

        String source = failure("troupe.data.source = math");
        assertTrue(source.contains("'math' is not one of arithmetic, gsm8k"), source);

        String kind = failure("troupe.data.sft.wrong-answer-kind = skip");
        assertTrue(kind.contains("troupe.data.sft.wrong-answer-kind"), kind);
        assertTrue(kind.contains("'skip' is not one of offset, skip-last-step"), kind);
    }

    @Test
    void shouldFailOnABadTemplateNamingItsKey() {
        String prompt = failure("troupe.data.prompt.template = \"{question} {qestion}\"");
        assertTrue(prompt.contains("troupe.data.prompt.template"), prompt);
        assertTrue(prompt.contains("unknown placeholder {qestion}"), prompt);

        String response = failure("troupe.data.sft.response-template = \"{reasoning}\"");
        assertTrue(response.contains("troupe.data.sft.response-template"), response);
        assertTrue(response.contains("the template has no {answer}"), response);
    }

    @Test
    void shouldRequireTheGsm8kPathsForTheGsm8kSource() {
        String message = failure("troupe.data.source = gsm8k");
        assertTrue(message.contains("troupe.data.gsm8k.train-path"), message);
        assertTrue(message.contains("needed when source = gsm8k"), message);
    }
}
