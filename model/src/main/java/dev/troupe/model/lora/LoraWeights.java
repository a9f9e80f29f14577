package dev.troupe.model.lora;

import org.bytedeco.pytorch.Tensor;

/**
 * The low-rank update of one weight, in PEFT's layout, so the tensors are exactly what {@code
 * adapter_model.safetensors} holds (<a href="https://arxiv.org/abs/2106.09685">LoRA</a>: {@code W'
 * = W + scaling * B A}).
 *
 * <p>For a linear module: {@code a} is (r, in), {@code b} is (out, r). For a stack of {@code E}
 * experts {@code W[e]} of shape (out, in) (PEFT {@code target_parameters}): {@code a} is (E r, in)
 * and {@code b} is (out, E r); expert {@code e} uses {@code A_e = a.view(E, r, in)[e]} and {@code
 * B_e = b.view(out, r, E)[:, :, e]}, which is how PEFT's {@code ParamWrapper} splits them.
 *
 * @param a lora_A weight, trainable
 * @param b lora_B weight, trainable
 * @param rank r
 * @param scaling alpha / r (or alpha / sqrt(r) with rsLoRA)
 * @param numExperts E for an experts parameter, 0 for a linear module
 * @param dropout dropout probability on the input of A during training
 */
public record LoraWeights(
        Tensor a, Tensor b, int rank, double scaling, int numExperts, double dropout) {

    public boolean isExperts() {
        return numExperts > 0;
    }
}
