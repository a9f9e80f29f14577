package dev.troupe.tensor;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Type;

/**
 * libtorch's multi-tensor kernels ({@code torch._foreach_*}, {@code torch._fused_adamw_}): one
 * launch (or a few) over a whole list of tensors where a loop would launch one kernel per tensor,
 * as {@code torch.optim.AdamW} and {@code clip_grad_norm_} use them. A LoRA adapter of all linear
 * layers is hundreds of small tensors; per-tensor updates cost thousands of launches a step.
 *
 * <p>Bytedeco's presets do not map these operators to Java methods, so they are called by name
 * through libtorch's dispatcher with boxed arguments (the schemas are those of {@code
 * native_functions.yaml}).
 */
public final class Foreach {
    private Foreach() {}

    /**
     * The element type of a {@code Tensor[]} argument: a process-wide singleton, kept for good (the
     * class may first load inside a caller's scope, which would otherwise free it).
     */
    private static final Type.TypePtr TENSOR_TYPE =
            Owned.keep(new Type.TypePtr(Owned.keep(TensorType.get())));

    private static final OperatorHandle NORM = op("aten::_foreach_norm", "Scalar");
    private static final OperatorHandle MUL = op("aten::_foreach_mul_", "Scalar");
    private static final OperatorHandle FUSED_ADAMW = op("aten::_fused_adamw_", "");

    private static OperatorHandle op(String name, String overload) {
        return Owned.keep(Dispatcher.singleton().findSchemaOrThrow(name, overload));
    }

    private static IValue list(List<Tensor> tensors) {
        GenericList l = new GenericList(TENSOR_TYPE);
        for (Tensor t : tensors) {
            l.push_back(new IValue(t));
        }
        return new IValue(l);
    }

    /**
     * The 2-norm of each tensor, in fp32 for fp32 inputs ({@code torch._foreach_norm}).
     *
     * @return one 0-dim tensor per input, owned by the caller's scope
     */
    public static List<Tensor> norms(List<Tensor> tensors) {
        List<Tensor> out;
        try (PointerScope scope = new PointerScope()) {
            IValueVector stack = new IValueVector();
            stack.push_back(list(tensors));
            stack.push_back(new IValue(new Scalar(2.0)));
            stack.push_back(new IValue());
            NORM.callBoxed(stack);
            TensorVector result = stack.get(0).toTensorVector();
            out = new java.util.ArrayList<>();
            for (long i = 0; i < result.size(); i++) {
                // get() is a reference into the vector: copy the handle before the vector goes.
                out.add(Owned.keep(new Tensor(result.get(i))));
            }
        }
        out.forEach(Owned::toCaller);
        return out;
    }

    /** Multiplies every tensor in place by {@code factor} ({@code torch._foreach_mul_}). */
    public static void mulInPlace(List<Tensor> tensors, double factor) {
        if (tensors.isEmpty()) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            IValueVector stack = new IValueVector();
            stack.push_back(list(tensors));
            stack.push_back(new IValue(new Scalar(factor)));
            MUL.callBoxed(stack);
        }
    }

    /**
     * One AdamW step over all {@code params} at once ({@code torch._fused_adamw_}, what {@code
     * torch.optim.AdamW(fused=True)} calls; amsgrad off, no gradient scaling): decoupled weight
     * decay {@code p *= 1 - lr wd}, then the bias-corrected moment update. Every list has one entry
     * per parameter; {@code steps} holds the step number (already counting this step) as an fp32
     * tensor on the parameters' device, which the kernel only reads.
     */
    public static void fusedAdamW(
            List<Tensor> params,
            List<Tensor> grads,
            List<Tensor> expAvgs,
            List<Tensor> expAvgSqs,
            List<Tensor> steps,
            double lr,
            double beta1,
            double beta2,
            double weightDecay,
            double eps) {
        if (params.isEmpty()) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            IValueVector stack = new IValueVector();
            stack.push_back(list(params));
            stack.push_back(list(grads));
            stack.push_back(list(expAvgs));
            stack.push_back(list(expAvgSqs));
            stack.push_back(list(List.of())); // max_exp_avg_sqs: amsgrad off
            stack.push_back(list(steps));
            stack.push_back(new IValue(lr));
            stack.push_back(new IValue(beta1));
            stack.push_back(new IValue(beta2));
            stack.push_back(new IValue(weightDecay));
            stack.push_back(new IValue(eps));
            stack.push_back(new IValue(false)); // amsgrad
            stack.push_back(new IValue(false)); // maximize
            stack.push_back(new IValue()); // grad_scale
            stack.push_back(new IValue()); // found_inf
            FUSED_ADAMW.callBoxed(stack);
        }
    }
}
