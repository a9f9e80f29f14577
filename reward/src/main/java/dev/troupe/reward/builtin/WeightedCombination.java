package dev.troupe.reward.builtin;

import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Several reward functions combined with weights: {@code total = sum_i weight_i * score_i}, as
 * TRL's {@code reward_weights} and veRL's summed reward terms.
 *
 * <p>The reward actor runs the terms one by one so that it can tell which one failed; used
 * directly, {@link #score} runs them in order and lets the first exception through.
 *
 * <p>Worked example, terms {@code format} (weight 0.5) and {@code gsm8k_correctness} (weight 2.0),
 * a completion with the right format and a wrong answer:
 *
 * <pre>
 * total = 0.5 * 1.0 + 2.0 * 0.0 = 0.5
 * details {format=1.0, format.matched=true, gsm8k_correctness=0.0, gsm8k_correctness.correct=false, ...}
 * </pre>
 */
public final class WeightedCombination implements RewardFunction {

    /**
     * One weighted function.
     *
     * @param label name of the term in replies, logs and metrics; unique within a combination
     * @param weight factor of the term's score in the total; finite, may be negative or 0 (a term
     *     of weight 0 is computed and reported but does not count)
     * @param function the reward function
     */
    public record Term(String label, double weight, RewardFunction function) {

        public Term {
            Objects.requireNonNull(label, "label");
            if (label.isBlank()) {
                throw new IllegalArgumentException("term label is blank");
            }
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException(
                        "weight of term '" + label + "' must be finite, got " + weight);
            }
            Objects.requireNonNull(function, "function");
        }
    }

    private final List<Term> terms;

    /**
     * @param terms at least one term, labels unique
     */
    public WeightedCombination(List<Term> terms) {
        this.terms = List.copyOf(terms);
        if (this.terms.isEmpty()) {
            throw new IllegalArgumentException("a weighted combination needs at least one term");
        }
        Set<String> labels = new HashSet<>();
        for (Term term : this.terms) {
            if (!labels.add(term.label())) {
                throw new IllegalArgumentException(
                        "term label '" + term.label() + "' appears twice");
            }
        }
    }

    /** The terms, in order. */
    public List<Term> terms() {
        return terms;
    }

    /**
     * The weighted total of per-term scores.
     *
     * @param scores one score per term, in term order
     */
    public double total(double[] scores) {
        if (scores.length != terms.size()) {
            throw new IllegalArgumentException(
                    "expected " + terms.size() + " scores, got " + scores.length);
        }
        double total = 0.0;
        for (int i = 0; i < scores.length; i++) {
            total += terms.get(i).weight() * scores[i];
        }
        return total;
    }

    /**
     * Scores every term and returns the weighted total; details hold each term's score under its
     * label and each term's details under {@code label.key}.
     *
     * @throws IllegalStateException when a term returns null or a score that is NaN or infinite
     */
    @Override
    public RewardResult score(RewardInput input) {
        double[] scores = new double[terms.size()];
        Map<String, String> details = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            Term term = terms.get(i);
            RewardResult result = term.function().score(input);
            if (result == null || !Double.isFinite(result.score())) {
                throw new IllegalStateException(
                        "term '"
                                + term.label()
                                + "' gave "
                                + (result == null ? "null" : "score " + result.score()));
            }
            scores[i] = result.score();
            details.put(term.label(), Double.toString(result.score()));
            result.details().forEach((key, value) -> details.put(term.label() + "." + key, value));
        }
        return RewardResult.of(total(scores), details);
    }
}
