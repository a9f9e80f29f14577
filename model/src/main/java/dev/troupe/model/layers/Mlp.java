package dev.troupe.model.layers;

import dev.troupe.model.config.HiddenAct;
import dev.troupe.model.lora.LoraLookup;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The gated MLP {@code down(act(gate(x)) * up(x))} and the activations. */
public final class Mlp {
    private Mlp() {}

    /**
     * @param x (..., hidden)
     * @param gate which projections to look LoRA up under: {@link Projection#GATE} or {@link
     *     Projection#SHARED_GATE} (and the matching UP/DOWN)
     */
    public static Tensor forward(
            Tensor x,
            DenseMlpWeights w,
            HiddenAct act,
            int layer,
            Projection gate,
            LoraLookup lora,
            boolean training) {
        Projection up = gate == Projection.GATE ? Projection.UP : Projection.SHARED_UP;
        Projection down = gate == Projection.GATE ? Projection.DOWN : Projection.SHARED_DOWN;
        Tensor fused = gate == Projection.GATE ? lora.fusedGateUp(layer) : null;
        Tensor g;
        Tensor u;
        if (fused != null) {
            // One product for both; gate and up are the two halves of its output.
            Tensor both = torch.linear(x, fused);
            long inter = fused.size(0) / 2;
            g = both.narrow(-1, 0, inter);
            u = both.narrow(-1, inter, inter);
        } else {
            g = Adapted.linear(x, w.gate(), lora, layer, gate, training);
            u = Adapted.linear(x, w.up(), lora, layer, up, training);
        }
        return Adapted.linear(activate(g, act).mul(u), w.down(), lora, layer, down, training);
    }

    public static Tensor activate(Tensor x, HiddenAct act) {
        return switch (act) {
            case SILU -> torch.silu(x);
            case GELU -> torch.gelu(x);
            case GELU_TANH -> torch.gelu(x, "tanh");
            case RELU -> torch.relu(x);
        };
    }
}
