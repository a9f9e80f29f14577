package dev.troupe.coordinator.data;

import dev.troupe.coordinator.internal.SplitMix64;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Generates small arithmetic problems, so a run needs no downloaded data: "What is 12 + 7 - 3?"
 * with reference answer "16".
 *
 * <p><b>Determinism.</b> Training problem {@code i} is a pure function of (config, seed, i): its
 * operands and operations are drawn from a {@link SplitMix64} stream keyed by (seed, "train", i,
 * attempt), so problem 5000 is the same whether or not problems 0 to 4999 were ever made, and a
 * resumed run sees what an uninterrupted one would have.
 *
 * <p><b>Disjoint splits by construction.</b> Every possible expression belongs to exactly one
 * split, decided by a seeded hash of its canonical text ({@link #splitOf}): the test split is the
 * expressions whose hash falls below {@code testShare}. The training stream draws again whenever it
 * hits a test expression, and the test set keeps only test expressions, so no expression is in
 * both, whatever the sizes. The test set is the first {@code testSize} distinct test expressions of
 * its own stream; it fails if the problem space is too small to hold that many.
 *
 * <p>Operands have between {@code minDigits} and {@code maxDigits} digits (the count drawn
 * uniformly, then the value uniformly among numbers of that many digits; one digit is 0 to 9).
 * Expressions are evaluated with {@code *} before {@code +} and {@code -} ({@link
 * ArithmeticExpression}). Without {@code allowNegative}, a draw with a negative answer is drawn
 * again.
 */
public final class ArithmeticTasks {
    /** Draws before giving up on one training problem: far above what valid configs need. */
    private static final int MAX_ATTEMPTS = 100_000;

    // Salts of the draw streams: fixed distinct constants, so the streams are independent.
    private static final long TRAIN_STREAM = 0x7472_6169_6eL; // "train"
    private static final long TEST_STREAM = 0x7465_7374L; // "test"
    private static final long SPLIT_HASH = 0x7370_6c69_74L; // "split"

    private static final long[] POWERS_OF_TEN = new long[ArithmeticTaskConfig.MAX_DIGITS + 1];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    private final ArithmeticTaskConfig config;
    private final long seed;
    // Made on first use, not in the constructor: a run that only trains (or only does SFT) should
    // neither pay for the test set nor fail on settings too small to fill it.
    private List<ArithmeticExpression> testExpressions;

    /** The split an expression belongs to. */
    public enum Split {
        TRAIN,
        TEST;

        String label() {
            return this == TRAIN ? "train" : "test";
        }
    }

    public ArithmeticTasks(ArithmeticTaskConfig config, long seed) {
        this.config = Objects.requireNonNull(config, "config");
        this.seed = seed;
    }

    public ArithmeticTaskConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    /** The split of an expression's canonical text: a pure function of (seed, text). */
    public Split splitOf(String expressionText) {
        long bits = SplitMix64.key(seed, SPLIT_HASH, SplitMix64.hash(expressionText));
        return SplitMix64.unit(bits) < config.testShare() ? Split.TEST : Split.TRAIN;
    }

    /** The training problems: {@code trainSize} of them, each made when asked for. */
    public Dataset<Problem> train() {
        return new Dataset<>() {
            @Override
            public int size() {
                return config.trainSize();
            }

            @Override
            public Problem get(int index) {
                Objects.checkIndex(index, config.trainSize());
                return problem(Split.TRAIN, index, trainExpression(index));
            }
        };
    }

    /** The held-out problems: {@code testSize} distinct ones, none of them in {@link #train()}. */
    public Dataset<Problem> test() {
        List<ArithmeticExpression> expressions = testExpressions();
        List<Problem> problems = new ArrayList<>(expressions.size());
        for (int i = 0; i < expressions.size(); i++) {
            problems.add(problem(Split.TEST, i, expressions.get(i)));
        }
        return Dataset.of(problems);
    }

    /** The expression of training problem {@code index}; any non-negative index works. */
    public ArithmeticExpression trainExpression(long index) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ArithmeticExpression e = draw(SplitMix64.key(seed, TRAIN_STREAM, index, attempt));
            if (splitOf(e.text()) == Split.TRAIN && signAllowed(e)) {
                return e;
            }
        }
        throw new IllegalStateException(
                "no training problem found in "
                        + MAX_ATTEMPTS
                        + " draws: the settings leave almost nothing to train on; "
                        + config);
    }

    /** The test expressions, made once (they are few) and kept. */
    public synchronized List<ArithmeticExpression> testExpressions() {
        if (testExpressions == null) {
            testExpressions = makeTestExpressions();
        }
        return testExpressions;
    }

    private List<ArithmeticExpression> makeTestExpressions() {
        List<ArithmeticExpression> found = new ArrayList<>(config.testSize());
        Set<String> seen = new HashSet<>();
        long maxDraws = 1000L * config.testSize() + MAX_ATTEMPTS;
        for (long k = 0; k < maxDraws && found.size() < config.testSize(); k++) {
            ArithmeticExpression e = draw(SplitMix64.key(seed, TEST_STREAM, k));
            if (splitOf(e.text()) == Split.TEST && signAllowed(e) && seen.add(e.text())) {
                found.add(e);
            }
        }
        if (found.size() < config.testSize()) {
            throw new IllegalStateException(
                    "only "
                            + found.size()
                            + " distinct test problems exist for these settings, fewer than"
                            + " test-size "
                            + config.testSize()
                            + ": lower troupe.data.arithmetic.test-size, or raise test-share or"
                            + " the digits or operands");
        }
        return List.copyOf(found);
    }

    private boolean signAllowed(ArithmeticExpression e) {
        return config.allowNegative() || e.value() >= 0;
    }

    private ArithmeticExpression draw(long key) {
        SplitMix64 random = new SplitMix64(key);
        int n = (int) random.nextLong(config.minOperands(), config.maxOperands());
        List<Long> operands = new ArrayList<>(n);
        List<Operation> operations = new ArrayList<>(n - 1);
        for (int i = 0; i < n; i++) {
            int digits = (int) random.nextLong(config.minDigits(), config.maxDigits());
            long low = digits == 1 ? 0 : POWERS_OF_TEN[digits - 1];
            long high = POWERS_OF_TEN[digits] - 1;
            operands.add(random.nextLong(low, high));
        }
        for (int i = 0; i < n - 1; i++) {
            operations.add(config.operations().get(random.nextInt(config.operations().size())));
        }
        return new ArithmeticExpression(operands, operations);
    }

    /** The problem of an expression drawn as number {@code index} of {@code split}. */
    Problem problem(Split split, long index, ArithmeticExpression e) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("source", "arithmetic");
        metadata.put("split", split.label());
        metadata.put("index", Long.toString(index));
        metadata.put("expression", e.text());
        return new Problem(
                "arithmetic/" + split.label() + "/" + index,
                "What is " + e.text() + "?",
                Long.toString(e.value()),
                metadata);
    }
}
