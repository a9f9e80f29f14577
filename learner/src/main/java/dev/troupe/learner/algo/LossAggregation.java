package dev.troupe.learner.algo;

import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * How a (B, T) per-token loss becomes a scalar, named as veRL names the modes ({@code agg_loss}).
 * With mask {@code m}:
 *
 * <ul>
 *   <li>{@code token-mean}: {@code sum(l m) / (sum(m) + 1e-8)}: every token weighs the same (DAPO).
 *   <li>{@code seq-mean-token-sum}: {@code mean_b(sum_t l m)}.
 *   <li>{@code seq-mean-token-mean}: {@code mean_b(sum_t l m / sum_t m)}: every sequence weighs the
 *       same (the original GRPO). An empty sequence contributes 0 (veRL would divide by zero).
 *   <li>{@code seq-mean-token-sum-norm}: {@code sum(l m) / T} with T the padded length (Dr. GRPO).
 * </ul>
 */
public enum LossAggregation {
    TOKEN_MEAN("token-mean"),
    SEQ_MEAN_TOKEN_SUM("seq-mean-token-sum"),
    SEQ_MEAN_TOKEN_MEAN("seq-mean-token-mean"),
    SEQ_MEAN_TOKEN_SUM_NORM("seq-mean-token-sum-norm");

    private final String configName;

    LossAggregation(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /**
     * @throws IllegalArgumentException listing the valid names
     */
    public static LossAggregation parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (LossAggregation a : values()) {
            if (a.configName.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                "unknown loss aggregation '"
                        + name
                        + "' (valid: "
                        + Arrays.stream(values())
                                .map(LossAggregation::configName)
                                .collect(Collectors.joining(", "))
                        + ")");
    }

    /**
     * The part of a batch's aggregated loss that falls on one micro-batch, so that the gradients of
     * the micro-batches add up to the gradient of the whole batch: the normaliser comes from the
     * whole batch, not the micro-batch.
     *
     * @param loss (b, T) per-token loss of the micro-batch
     * @param mask (b, T) its fp32 mask
     * @param batchTokens real tokens in the whole batch
     * @param batchSequences sequences in the whole batch
     * @param paddedLength the padded length T of the batch (for seq-mean-token-sum-norm)
     * @return a scalar
     */
    public Tensor applyPart(
            Tensor loss, Tensor mask, double batchTokens, long batchSequences, long paddedLength) {
        return Owned.compute(
                () -> {
                    Tensor masked = loss.mul(mask);
                    ScalarTypeOptional keep = new ScalarTypeOptional();
                    return switch (this) {
                        case TOKEN_MEAN -> masked.sum().div(new Scalar(batchTokens + 1e-8));
                        case SEQ_MEAN_TOKEN_SUM ->
                                masked.sum(new long[] {-1}, false, keep)
                                        .sum()
                                        .div(new Scalar((double) batchSequences));
                        case SEQ_MEAN_TOKEN_MEAN ->
                                masked.sum(new long[] {-1}, false, keep)
                                        .div(
                                                mask.sum(new long[] {-1}, false, keep)
                                                        .clamp_min(new Scalar(1.0)))
                                        .sum()
                                        .div(new Scalar((double) batchSequences));
                        case SEQ_MEAN_TOKEN_SUM_NORM ->
                                masked.sum().div(new Scalar((double) paddedLength));
                    };
                });
    }

    /**
     * The aggregated loss of a whole batch: {@link #applyPart} with the batch as its own part.
     *
     * @param loss (B, T) per-token loss
     * @param mask (B, T) 1 for tokens that count, fp32
     * @return a scalar
     */
    public Tensor apply(Tensor loss, Tensor mask) {
        double tokens;
        try (PointerScope scope = new PointerScope()) {
            tokens = Tensors.item(mask.sum());
        }
        return applyPart(loss, mask, tokens, loss.size(0), loss.size(-1));
    }
}
