package dev.troupe.learner.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.troupe.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class OptimTest {
    /** torch.optim.AdamW's update, written out in doubles for one scalar parameter. */
    static double[] referenceAdamW(double p, double[] grads, double lr, double wd) {
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double m = 0;
        double v = 0;
        double[] out = new double[grads.length];
        for (int t = 1; t <= grads.length; t++) {
            double g = grads[t - 1];
            p *= 1 - lr * wd;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double denom = Math.sqrt(v) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
            p -= lr / (1 - Math.pow(b1, t)) * m / denom;
            out[t - 1] = p;
        }
        return out;
    }

    @Test
    void shouldStepLikeTorchAdamW() {
        double[] grads = {0.5, -0.2, 0.7, 0.1};
        double[] expected = referenceAdamW(1.0, grads, 0.1, 0.01);
        try (PointerScope scope = new PointerScope()) {
            Tensor p = Tensors.fromFloats(new float[] {1f}, 1);
            p.set_requires_grad(true);
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("w", p);
            try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.01)) {
                for (int i = 0; i < grads.length; i++) {
                    opt.zeroGrad();
                    p.mul(new Scalar(grads[i])).sum().backward();
                    opt.step(0.1);
                    assertEquals(expected[i], Tensors.toFloats(p)[0], 1e-6, "step " + (i + 1));
                }
                assertEquals(4, opt.step());
            }
        }
    }

    /**
     * Several tensors in one fused step: each element follows torch.optim.AdamW on its own, and a
     * parameter without a gradient is not touched (not even by weight decay).
     */
    @Test
    void shouldStepEveryTensorOfTheListLikeTorchAdamW() {
        try (PointerScope scope = new PointerScope()) {
            float[] w1 = {1f, -2f, 0.5f, 3f, -1f, 0.25f};
            float[] w2 = {0.1f, 0.2f, -0.3f, 0.4f};
            float[] c1 = {0.5f, -0.2f, 0.7f, 0.1f, -1.5f, 2f};
            float[] c2 = {3f, -0.01f, 0.4f, -0.6f};
            Tensor p1 = Tensors.fromFloats(w1.clone(), 2, 3);
            Tensor p2 = Tensors.fromFloats(w2.clone(), 4);
            Tensor frozen = Tensors.fromFloats(new float[] {7f}, 1);
            p1.set_requires_grad(true);
            p2.set_requires_grad(true);
            frozen.set_requires_grad(true);
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("a", p1);
            params.put("b", p2);
            params.put("frozen", frozen);
            Tensor k1 = Tensors.fromFloats(c1, 2, 3);
            Tensor k2 = Tensors.fromFloats(c2, 4);
            int steps = 3;
            try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.01)) {
                for (int i = 0; i < steps; i++) {
                    opt.zeroGrad();
                    p1.mul(k1).sum().add(p2.mul(k2).sum()).backward();
                    opt.step(0.1);
                }
            }
            float[] got1 = Tensors.toFloats(p1);
            float[] got2 = Tensors.toFloats(p2);
            for (int j = 0; j < w1.length; j++) {
                double[] g = new double[steps];
                java.util.Arrays.fill(g, c1[j]);
                assertEquals(referenceAdamW(w1[j], g, 0.1, 0.01)[steps - 1], got1[j], 1e-6);
            }
            for (int j = 0; j < w2.length; j++) {
                double[] g = new double[steps];
                java.util.Arrays.fill(g, c2[j]);
                assertEquals(referenceAdamW(w2[j], g, 0.1, 0.01)[steps - 1], got2[j], 1e-6);
            }
            assertEquals(7f, Tensors.toFloats(frozen)[0], 0f);
        }
    }

    @Test
    void shouldResumeFromSavedStateExactly() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = Tensors.fromFloats(new float[] {1f, 2f}, 2);
            Tensor b = Tensors.fromFloats(new float[] {1f, 2f}, 2);
            a.set_requires_grad(true);
            b.set_requires_grad(true);
            try (AdamW first = new AdamW(Map.of("w", a), 0.9, 0.99, 1e-8, 0.0);
                    AdamW second = new AdamW(Map.of("w", b), 0.9, 0.99, 1e-8, 0.0)) {
                for (int i = 0; i < 3; i++) {
                    first.zeroGrad();
                    a.mul(a).sum().backward();
                    first.step(0.05);
                }
                // Copy parameters and optimiser state; the next steps must agree exactly.
                try (org.bytedeco.javacpp.PointerScope s2 = new PointerScope();
                        dev.troupe.tensor.NoGrad ng = new dev.troupe.tensor.NoGrad()) {
                    b.copy_(a);
                }
                second.load(first.state(), first.step());
                first.zeroGrad();
                a.mul(a).sum().backward();
                first.step(0.05);
                second.zeroGrad();
                b.mul(b).sum().backward();
                second.step(0.05);
                assertArrayEquals(Tensors.toFloats(a), Tensors.toFloats(b), 0f);
                IllegalArgumentException e =
                        assertThrows(
                                IllegalArgumentException.class, () -> second.load(Map.of(), 1));
                assertEquals(true, e.getMessage().contains("w.exp_avg"));
            }
        }
    }

    @Test
    void shouldWarmUpThenDecayAlongACosine() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 10, 110, 0.0);
        assertEquals(0.0, s.at(0), 0);
        assertEquals(5e-4, s.at(5), 1e-12);
        assertEquals(1e-3, s.at(10), 1e-12);
        assertEquals(5e-4, s.at(60), 1e-12); // halfway down the cosine
        assertEquals(0.0, s.at(110), 1e-12);
        assertEquals(0.0, s.at(500), 1e-12);
        LearningRateSchedule floor = new LearningRateSchedule(1e-3, 0, 100, 0.1);
        assertEquals(1e-4, floor.at(100), 1e-12);
        assertThrows(
                IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3, 20, 10, 0));
    }

    @Test
    void shouldClipGradientsByTheirGlobalNorm() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(new float[] {0f}, 1);
            Tensor y = Tensors.fromFloats(new float[] {0f}, 1);
            x.set_requires_grad(true);
            y.set_requires_grad(true);
            x.mul(new Scalar(3.0)).add(y.mul(new Scalar(4.0))).sum().backward();
            double norm = GradientClipping.clipByGlobalNorm(java.util.List.of(x, y), 1.0);
            assertEquals(5.0, norm, 1e-6);
            assertEquals(3.0 / (5 + 1e-6), Tensors.toFloats(x.grad())[0], 1e-6);
            assertEquals(4.0 / (5 + 1e-6), Tensors.toFloats(y.grad())[0], 1e-6);
            // Under the limit: the norm is reported, the gradients are left as they are.
            double again = GradientClipping.clipByGlobalNorm(java.util.List.of(x, y), 10.0);
            assertEquals(1.0, again, 1e-5);
            assertEquals(3.0 / (5 + 1e-6), Tensors.toFloats(x.grad())[0], 1e-6);
        }
    }
}
