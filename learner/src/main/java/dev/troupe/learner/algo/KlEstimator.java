package dev.troupe.learner.algo;

import dev.troupe.tensor.Owned;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-token estimators of {@code KL(policy || reference)} from the log-probabilities of the sampled
 * tokens (<a href="http://joschu.net/blog/kl-approx.html">Schulman, Approximating KL</a>), named as
 * veRL names them. With {@code d = ref - logp}:
 *
 * <ul>
 *   <li>{@code k1} ("kl"): {@code -d}, unbiased, high variance.
 *   <li>{@code k2} ("mse"): {@code d^2 / 2}.
 *   <li>{@code k3} ("low_var_kl"): {@code exp(d) - d - 1}, unbiased and always >= 0; clamped to
 *       [-10, 10] as veRL does, so one wild token cannot dominate.
 * </ul>
 */
public enum KlEstimator {
    K1("k1"),
    K2("k2"),
    K3("k3");

    private final String configName;

    KlEstimator(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /**
     * Accepts k1/k2/k3 and veRL's names (kl, mse, low_var_kl).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static KlEstimator parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "k1", "kl" -> K1;
            case "k2", "mse" -> K2;
            case "k3", "low_var_kl" -> K3;
            default ->
                    throw new IllegalArgumentException(
                            "unknown KL estimator '"
                                    + name
                                    + "' (valid: "
                                    + Arrays.stream(values())
                                            .map(KlEstimator::configName)
                                            .collect(Collectors.joining(", "))
                                    + ", kl, mse, low_var_kl)");
        };
    }

    /**
     * @param logProbs (B, T) policy log-probabilities of the sampled tokens
     * @param refLogProbs (B, T) reference log-probabilities of the same tokens
     * @return (B, T) per-token estimate
     */
    public Tensor estimate(Tensor logProbs, Tensor refLogProbs) {
        return Owned.compute(
                () -> {
                    Tensor d = refLogProbs.sub(logProbs);
                    return switch (this) {
                        case K1 -> d.neg();
                        case K2 -> d.mul(d).mul(new Scalar(0.5));
                        case K3 ->
                                d.exp()
                                        .sub(d)
                                        .sub(new Scalar(1.0))
                                        .clamp(
                                                new ScalarOptional(new Scalar(-10.0)),
                                                new ScalarOptional(new Scalar(10.0)));
                    };
                });
    }
}
