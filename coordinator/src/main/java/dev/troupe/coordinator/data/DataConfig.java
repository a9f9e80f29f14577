package dev.troupe.coordinator.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.troupe.coordinator.internal.FieldException;
import dev.troupe.runconfig.ConfigValues;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The keys under {@code troupe.data}, read once at startup; every key is documented in the module's
 * {@code reference.conf}. A bad or unknown key fails in {@link #from} with a {@link
 * ConfigException} naming the key and where it was set.
 *
 * @param source where problems come from
 * @param seed seed of the data order and of generated problems
 * @param shuffle whether each epoch visits the examples in a seeded permutation
 * @param gsm8kTrain GSM8K-format training JSONL (needed when source is GSM8K)
 * @param gsm8kTest GSM8K-format held-out JSONL (needed when source is GSM8K)
 * @param prompt the prompt template
 * @param arithmetic the problem generator's settings
 * @param sft SFT data settings
 */
public record DataConfig(
        DataSource source,
        long seed,
        boolean shuffle,
        Optional<Path> gsm8kTrain,
        Optional<Path> gsm8kTest,
        PromptConfig prompt,
        ArithmeticTaskConfig arithmetic,
        SftConfig sft) {

    /** The config section. */
    public static final String SECTION = "troupe.data";

    public DataConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(gsm8kTrain, "gsm8kTrain");
        Objects.requireNonNull(gsm8kTest, "gsm8kTest");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(arithmetic, "arithmetic");
        Objects.requireNonNull(sft, "sft");
        if (source == DataSource.GSM8K && gsm8kTrain.isEmpty()) {
            throw new FieldException("gsm8k.train-path", "needed when source = gsm8k");
        }
        if (source == DataSource.GSM8K && gsm8kTest.isEmpty()) {
            throw new FieldException("gsm8k.test-path", "needed when source = gsm8k");
        }
    }

    /**
     * Reads {@code troupe.data} from a resolved config that includes {@code reference.conf} ({@code
     * ConfigFactory.load()} or {@code ConfigFactory.parseFile(f).withFallback(
     * ConfigFactory.load()).resolve()}).
     */
    public static DataConfig from(Config root) {
        ConfigValues.rejectUnknownKeys(root, SECTION);
        String s = SECTION + ".";
        PromptConfig prompt =
                section(
                        root,
                        s + "prompt",
                        () ->
                                new PromptConfig(
                                        root.getString(s + "prompt.template"),
                                        ConfigValues.choice(
                                                root, s + "prompt.format", PromptFormat.class),
                                        root.getString(s + "prompt.system")));
        ArithmeticTaskConfig arithmetic =
                section(
                        root,
                        s + "arithmetic",
                        () ->
                                new ArithmeticTaskConfig(
                                        operations(root, s + "arithmetic.operations"),
                                        root.getInt(s + "arithmetic.min-digits"),
                                        root.getInt(s + "arithmetic.max-digits"),
                                        root.getInt(s + "arithmetic.min-operands"),
                                        root.getInt(s + "arithmetic.max-operands"),
                                        root.getBoolean(s + "arithmetic.allow-negative"),
                                        root.getDouble(s + "arithmetic.test-share"),
                                        root.getInt(s + "arithmetic.train-size"),
                                        root.getInt(s + "arithmetic.test-size")));
        SftConfig sft =
                section(
                        root,
                        s + "sft",
                        () ->
                                new SftConfig(
                                        optionalPath(root, s + "sft.path"),
                                        root.getString(s + "sft.response-template"),
                                        root.getBoolean(s + "sft.include-reasoning"),
                                        root.getDouble(s + "sft.wrong-answer-fraction"),
                                        root.getInt(s + "sft.wrong-answer-offset"),
                                        root.getBoolean(s + "sft.wrong-answer-in-reasoning"),
                                        ConfigValues.choice(
                                                root,
                                                s + "sft.wrong-answer-kind",
                                                WrongAnswerKind.class)));
        return section(
                root,
                SECTION,
                () ->
                        new DataConfig(
                                ConfigValues.choice(root, s + "source", DataSource.class),
                                root.getLong(s + "seed"),
                                root.getBoolean(s + "shuffle"),
                                optionalPath(root, s + "gsm8k.train-path"),
                                optionalPath(root, s + "gsm8k.test-path"),
                                prompt,
                                arithmetic,
                                sft));
    }

    /**
     * The training problems of {@link #source()}: generated, or read from the file (then a {@link
     * JsonlDataset}, whose {@code summary()} and {@code badLines()} report the skipped lines).
     */
    public Dataset<Problem> trainProblems() {
        return source == DataSource.GSM8K
                ? Gsm8kJsonl.load(gsm8kTrain.orElseThrow())
                : new ArithmeticTasks(arithmetic, seed).train();
    }

    /** The held-out problems of {@link #source()}, fixed for a given config and seed. */
    public Dataset<Problem> testProblems() {
        return source == DataSource.GSM8K
                ? Gsm8kJsonl.load(gsm8kTest.orElseThrow())
                : new ArithmeticTasks(arithmetic, seed).test();
    }

    /** The SFT conversations: read from {@code sft.path}, or built from generated problems. */
    public Dataset<Conversation> sftConversations() {
        if (sft.path().isPresent()) {
            return ChatJsonl.load(sft.path().get());
        }
        return new ArithmeticSft(
                        new ArithmeticTasks(arithmetic, seed), PromptTemplate.of(prompt), sft)
                .conversations();
    }

    /** Builds a record, turning a {@link FieldException} into one naming the full key. */
    private static <T> T section(Config root, String section, Supplier<T> build) {
        try {
            return build.get();
        } catch (FieldException e) {
            throw ConfigValues.badValue(root, section + "." + e.field(), e.problem());
        }
    }

    private static List<Operation> operations(Config root, String path) {
        List<Operation> operations = new ArrayList<>();
        for (String symbol : root.getStringList(path)) {
            operations.add(
                    Operation.fromSymbol(symbol)
                            .orElseThrow(
                                    () ->
                                            ConfigValues.badValue(
                                                    root,
                                                    path,
                                                    "'"
                                                            + symbol
                                                            + "' is not one of \"+\", \"-\","
                                                            + " \"*\"")));
        }
        return operations;
    }

    private static Optional<Path> optionalPath(Config root, String path) {
        String value = root.getString(path);
        return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
    }
}
