package dev.troupe.reward;

import static dev.troupe.reward.testing.Inputs.completion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.troupe.reward.builtin.FormatReward;
import dev.troupe.reward.builtin.TieredReward;
import dev.troupe.reward.builtin.WeightedCombination;
import dev.troupe.reward.testing.OddRewards;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardConfigTest {

    private static Config withReference(String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    private static RewardConfig load(String hocon) {
        return RewardConfig.load(withReference(hocon));
    }

    private static String failure(String hocon) {
        return assertThrows(ConfigException.class, () -> load(hocon)).getMessage();
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), () -> "expected '" + part + "' in: " + text);
        }
    }

    @Test
    void shouldLoadReferenceDefaults() {
        RewardConfig config = load("");
        assertEquals(1, config.functions().terms().size());
        WeightedCombination.Term term = config.functions().terms().get(0);
        assertEquals("tiered_0_1_10", term.label());
        assertEquals(1.0, term.weight());
        assertTrue(term.function() instanceof TieredReward);
        assertEquals(Duration.ofSeconds(10), config.sampleTimeout());
        assertEquals(RewardConfig.OnError.RESCORE, config.onError());
        assertEquals(1, config.maxRetries());
        assertEquals(2, config.workers());
        assertEquals(4, config.maxStuckWorkers());
    }

    @Test
    void shouldBuildWeightedFunctionsWithParamsOverBuiltinDefaults() {
        RewardConfig config =
                load(
                        "troupe.reward.functions = ["
                                + " { name = format, weight = 0.25, params { tags = [answer], match-score = 2 } },"
                                + " { name = format, label = think_only, params { tags = [think], match = start } },"
                                + " { name = gsm8k_correctness, weight = 2 } ]\n"
                                + "troupe.reward.on-error = drop-group");
        List<WeightedCombination.Term> terms = config.functions().terms();
        assertEquals(
                List.of("format", "think_only", "gsm8k_correctness"),
                terms.stream().map(WeightedCombination.Term::label).toList());
        assertEquals(
                List.of(0.25, 1.0, 2.0),
                terms.stream().map(WeightedCombination.Term::weight).toList());
        assertTrue(terms.get(0).function() instanceof FormatReward);
        assertEquals(2.0, terms.get(0).function().score(completion("<answer>4</answer>")).score());
        assertEquals(1.0, terms.get(1).function().score(completion("<think>a</think> 4")).score());
        assertEquals(RewardConfig.OnError.DROP_GROUP, config.onError());
    }

    @Test
    void shouldBuildClassNamedFunctionsThroughEitherConstructor() {
        RewardConfig config =
                load(
                        "troupe.reward.functions = ["
                                + " { name = \""
                                + OddRewards.FromParams.class.getName()
                                + "\", params { score = 0.75 } },"
                                + " { name = \""
                                + OddRewards.NoArgs.class.getName()
                                + "\", label = no_args } ]");
        assertEquals(
                0.75, config.functions().terms().get(0).function().score(completion("x")).score());
        assertEquals(
                1.0, config.functions().terms().get(1).function().score(completion("x")).score());
        assertEquals(
                OddRewards.FromParams.class.getName(), config.functions().terms().get(0).label());
    }

    @Test
    void shouldNameFileLineKeyAndValidNamesForUnknownFunction(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("run.conf");
        Files.writeString(
                file, "troupe.reward {\n  functions = [\n    { name = formatt }\n  ]\n}\n");
        Config root =
                ConfigFactory.parseFile(file.toFile())
                        .withFallback(ConfigFactory.defaultReference())
                        .resolve();
        String message =
                assertThrows(ConfigException.class, () -> RewardConfig.load(root)).getMessage();
        assertContains(
                message,
                "run.conf: 3",
                "troupe.reward.functions[0].name",
                "unknown reward function 'formatt'",
                "format, gsm8k_correctness, tiered_0_1_10");
    }

    @Test
    void shouldFailForClassThatDoesNotExist() {
        assertContains(
                failure("troupe.reward.functions = [ { name = com.example.NoSuchReward } ]"),
                "troupe.reward.functions[0].name",
                "class 'com.example.NoSuchReward' was not found on the classpath");
    }

    @Test
    void shouldFailForClassThatIsNotRewardFunction() {
        assertContains(
                failure(
                        "troupe.reward.functions = [ { name = \""
                                + OddRewards.NotAReward.class.getName()
                                + "\" } ]"),
                "troupe.reward.functions[0].name",
                "does not implement dev.troupe.reward.RewardFunction");
        assertContains(
                failure("troupe.reward.functions = [ { name = java.lang.String } ]"),
                "class 'java.lang.String' does not implement dev.troupe.reward.RewardFunction");
    }

    @Test
    void shouldFailForAbstractUnbuildableOrThrowingClass() {
        assertContains(
                failure(
                        "troupe.reward.functions = [ { name = \""
                                + OddRewards.Abstract.class.getName()
                                + "\" } ]"),
                "is abstract");
        assertContains(
                failure(
                        "troupe.reward.functions = [ { name = \""
                                + OddRewards.NeedsInt.class.getName()
                                + "\" } ]"),
                "has no public constructor taking com.typesafe.config.Config nor a public no-argument one");
        assertContains(
                failure(
                        "troupe.reward.functions = [ { name = \""
                                + OddRewards.BrokenConstructor.class.getName()
                                + "\" } ]"),
                "threw java.lang.IllegalStateException: cannot start: model file missing");
    }

    @Test
    void shouldFailOnMisspeltKeysNamingThem() {
        assertContains(
                failure("troupe.reward.functions = [ { name = format, wieght = 2 } ]"),
                "troupe.reward.functions[0].wieght",
                "valid keys: name, weight, label, params");
        assertContains(
                failure("troupe.reward.functions = [ { name = format, params { tagz = [a] } } ]"),
                "troupe.reward.functions[0].params.tagz",
                "allow-empty, match, match-score, miss-score, tags");
        assertContains(failure("troupe.reward.sample-timout = 1s"), "troupe.reward.sample-timout");
        assertContains(
                failure("troupe.reward.builtin.format.scroe = 1"),
                "troupe.reward.builtin.format.scroe");
    }

    @Test
    void shouldFailOnBadValuesNamingKeyAndChoices() {
        assertContains(
                failure("troupe.reward.on-error = retry"),
                "troupe.reward.on-error",
                "'retry' is not one of rescore, drop-group");
        assertContains(
                failure("troupe.reward.sample-timeout = 0s"),
                "troupe.reward.sample-timeout",
                "longer than zero");
        assertContains(failure("troupe.reward.max-retries = -1"), "troupe.reward.max-retries");
        assertContains(
                failure("troupe.reward.worker-pool.size = 0"), "troupe.reward.worker-pool.size");
        assertContains(
                failure(
                        "troupe.reward.functions = [ { name = format, params { match = sideways } } ]"),
                "troupe.reward.functions[0]",
                "match",
                "is not one of whole, start, anywhere");
        assertContains(
                failure("troupe.reward.functions = [ { name = format, weight = NaN } ]"),
                "troupe.reward.functions[0]");
    }

    @Test
    void shouldFailOnEmptyListDuplicateLabelsAndMissingName() {
        assertContains(
                failure("troupe.reward.functions = []"), "troupe.reward.functions", "at least one");
        assertContains(
                failure("troupe.reward.functions = [ { name = format }, { name = format } ]"),
                "troupe.reward.functions[1]",
                "label 'format' is used by troupe.reward.functions[0] already");
        assertContains(
                failure("troupe.reward.functions = [ { weight = 1 } ]"),
                "troupe.reward.functions[0].name",
                "missing");
        assertContains(
                failure("troupe.reward.functions = [ format ]"),
                "troupe.reward.functions[0]",
                "each function is an object");
    }

    @Test
    void shouldUseFunctionsAddedToRegistry() {
        RewardRegistry registry =
                RewardRegistry.builtIns()
                        .with(
                                "constant",
                                params -> input -> RewardResult.of(params.getDouble("value")));
        RewardConfig config =
                RewardConfig.load(
                        withReference(
                                "troupe.reward.functions = [ { name = constant, params { value = 3 } } ]"),
                        registry);
        assertEquals(
                3.0, config.functions().terms().get(0).function().score(completion("x")).score());
        assertEquals(
                List.of("format", "gsm8k_correctness", "tiered_0_1_10", "constant"),
                List.copyOf(registry.names()));
        assertThrows(
                IllegalArgumentException.class,
                () -> registry.with("format", params -> input -> null));
        assertThrows(
                IllegalArgumentException.class,
                () -> registry.with("a.b", params -> input -> null));
    }
}
