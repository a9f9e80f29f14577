package dev.troupe.learner.optim;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Foreach;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW (<a href="https://arxiv.org/abs/1711.05101">Loshchilov &amp; Hutter</a>), step for step as
 * {@code torch.optim.AdamW} (amsgrad off): for each parameter {@code p} with gradient {@code g},
 *
 * <pre>
 *   t += 1
 *   p *= 1 - lr * weight_decay
 *   m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * Parameters are named (PEFT keys for LoRA), so the state saves and reloads by name: {@link
 * #state()} / {@link #load}. The moments live on the parameters' device in fp32.
 */
public final class AdamW implements AutoCloseable {
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long step;

    /**
     * @param params trainable tensors by name (not owned: the adapter owns them)
     */
    public AdamW(
            Map<String, Tensor> params,
            double beta1,
            double beta2,
            double eps,
            double weightDecay) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException(
                    "betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0) || weightDecay < 0) {
            throw new IllegalArgumentException("need eps > 0 and weight_decay >= 0");
        }
        this.params = new LinkedHashMap<>(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            expAvg.put(e.getKey(), Owned.keep(torch.zeros_like(e.getValue()).detach()));
            expAvgSq.put(e.getKey(), Owned.keep(torch.zeros_like(e.getValue()).detach()));
        }
    }

    /** Steps taken so far. */
    public long step() {
        return step;
    }

    /**
     * One update at learning rate {@code lr}; parameters without a gradient are left alone. All
     * parameters move in one fused multi-tensor kernel ({@link Foreach#fusedAdamW}, what {@code
     * torch.optim.AdamW(fused=True)} runs): a per-tensor loop would launch ~9 kernels for each of
     * the hundreds of LoRA tensors.
     */
    public void step(double lr) {
        step++;
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            // Grouped by device (the fused kernel takes one device's tensors per call); each
            // group reads the step number from one fp32 tensor there, as torch.optim does.
            Map<String, Group> groups = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                Tensor g = p.grad();
                if (!g.defined()) {
                    continue;
                }
                Group group =
                        groups.computeIfAbsent(p.device().str().getString(), d -> new Group());
                group.params.add(p);
                group.grads.add(g);
                group.expAvgs.add(expAvg.get(e.getKey()));
                group.expAvgSqs.add(expAvgSq.get(e.getKey()));
            }
            for (Group group : groups.values()) {
                Tensor stepNumber =
                        torch.full(
                                new long[] {1},
                                new Scalar((double) step),
                                new TensorOptions(DType.F32.scalarType())
                                        .device(new DeviceOptional(group.params.get(0).device())));
                Foreach.fusedAdamW(
                        group.params,
                        group.grads,
                        group.expAvgs,
                        group.expAvgSqs,
                        Collections.nCopies(group.params.size(), stepNumber),
                        lr,
                        beta1,
                        beta2,
                        weightDecay,
                        eps);
            }
        }
    }

    /** One device's parameters with their gradients and moments, in the same order. */
    private static final class Group {
        final List<Tensor> params = new ArrayList<>();
        final List<Tensor> grads = new ArrayList<>();
        final List<Tensor> expAvgs = new ArrayList<>();
        final List<Tensor> expAvgSqs = new ArrayList<>();
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        try (PointerScope scope = new PointerScope()) {
            for (Tensor p : params.values()) {
                Tensor g = p.grad();
                if (g.defined()) {
                    g.zero_();
                }
            }
        }
    }

    /** The moments by "NAME.exp_avg" / "NAME.exp_avg_sq" (views of the live state). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : params.keySet()) {
            out.put(k + ".exp_avg", expAvg.get(k));
            out.put(k + ".exp_avg_sq", expAvgSq.get(k));
        }
        return out;
    }

    /**
     * Restores moments and step count saved by {@link #state()}.
     *
     * @throws IllegalArgumentException naming a missing or misshapen entry
     */
    public void load(Map<String, Tensor> saved, long savedStep) {
        List<String> problems = new ArrayList<>();
        try (NoGrad noGrad = new NoGrad()) {
            for (String k : params.keySet()) {
                for (var target :
                        List.of(
                                Map.entry(".exp_avg", expAvg),
                                Map.entry(".exp_avg_sq", expAvgSq))) {
                    Tensor src = saved.get(k + target.getKey());
                    Tensor dst = target.getValue().get(k);
                    if (src == null) {
                        problems.add("missing '" + k + target.getKey() + "'");
                    } else if (!java.util.Arrays.equals(
                            dev.troupe.tensor.Tensors.shape(src),
                            dev.troupe.tensor.Tensors.shape(dst))) {
                        problems.add("'" + k + target.getKey() + "' has another shape");
                    } else {
                        dst.copy_(src);
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "optimizer state does not fit: " + String.join("; ", problems));
        }
        this.step = savedStep;
    }

    @Override
    public void close() {
        expAvg.values().forEach(Owned::release);
        expAvgSq.values().forEach(Owned::release);
    }
}
