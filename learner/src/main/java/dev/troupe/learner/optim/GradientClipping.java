package dev.troupe.learner.optim;

import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import java.util.Collection;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Clipping by the global norm, as {@code torch.nn.utils.clip_grad_norm_}: {@code n = sqrt(sum_p
 * ||g_p||^2)}; if {@code n > max}, every gradient is scaled by {@code max / (n + 1e-6)}.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * @return the global norm before clipping (reported as grad_norm); NaN/inf if any gradient is
     */
    public static double clipByGlobalNorm(Collection<Tensor> params, double maxNorm) {
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            double sumSq = 0;
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g.defined()) {
                    double n = Tensors.item(g.norm());
                    sumSq += n * n;
                }
            }
            double norm = Math.sqrt(sumSq);
            if (maxNorm > 0 && Double.isFinite(norm)) {
                double coef = maxNorm / (norm + 1e-6);
                if (coef < 1) {
                    for (Tensor p : params) {
                        Tensor g = p.grad();
                        if (g.defined()) {
                            g.mul_(new Scalar(coef));
                        }
                    }
                }
            }
            return norm;
        }
    }
}
