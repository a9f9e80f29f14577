package dev.troupe.learner.optim;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Foreach;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

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
            // Multi-tensor kernels (as clip_grad_norm_'s foreach path): one norm launch and one
            // host read for all gradients, not one of each per tensor.
            List<Tensor> grads = new ArrayList<>();
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g.defined()) {
                    grads.add(g);
                }
            }
            if (grads.isEmpty()) {
                return 0;
            }
            List<Tensor> norms = Foreach.norms(grads);
            double norm =
                    Tensors.item(
                            torch.stack(new TensorVector(norms.toArray(new Tensor[0])))
                                    .to(DType.F64.scalarType())
                                    .norm());
            if (maxNorm > 0 && Double.isFinite(norm)) {
                double coef = maxNorm / (norm + 1e-6);
                if (coef < 1) {
                    Foreach.mulInPlace(grads, coef);
                }
            }
            return norm;
        }
    }
}
