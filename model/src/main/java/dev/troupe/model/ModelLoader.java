package dev.troupe.model;

import dev.troupe.model.config.Architectures;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.MoeSpec;
import dev.troupe.model.layers.DenseMlpWeights;
import dev.troupe.model.layers.LayerWeights;
import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.MoeWeights;
import dev.troupe.model.layers.Ops;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.safetensors.CheckpointException;
import dev.troupe.tensor.safetensors.SafetensorsCheckpoint;
import dev.troupe.tensor.safetensors.TensorEntry;
import dev.troupe.tensor.safetensors.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads a Hugging Face checkpoint folder ({@code config.json} + safetensors, single or sharded)
 * into a {@link DecoderModel}. Weight names are the checkpoint's, verbatim; routed experts are read
 * in the per-expert hub layout ({@code mlp.experts.E.gate_proj.weight}, or Mixtral's {@code
 * block_sparse_moe.experts.E.w1.weight}) or in transformers 5's fused layout ({@code
 * mlp.experts.gate_up_proj}), and stacked as transformers 5 stacks them.
 *
 * <p>On the CPU in the checkpoint's own dtype, weights stay memory-mapped: no copy is made. A
 * missing tensor, a shape the config does not imply or a non-float dtype fails with the file and
 * tensor named.
 */
public final class ModelLoader {
    /** Where weights come from: a checkpoint on disk, or (for new models) a random initialiser. */
    public interface WeightProvider {
        /** Whether an optional tensor is present. */
        boolean has(String name);

        /**
         * The tensor of this name, checked to have this shape; owned by the current scope.
         *
         * @throws CheckpointException when it is missing or does not fit
         */
        Tensor get(String name, long... shape);
    }

    private final WeightProvider source;
    private final ComputeDevice device;
    private final DType dtype;
    private final List<Tensor> owned = new ArrayList<>();

    private ModelLoader(WeightProvider source, ComputeDevice device, DType dtype) {
        this.source = source;
        this.device = device;
        this.dtype = dtype;
    }

    /** Loads in the device's default compute dtype (fp32 on CPU, bf16 on GPU). */
    public static DecoderModel load(Path folder, ComputeDevice device) {
        return load(folder, device, device.defaultComputeDType());
    }

    /**
     * @throws dev.troupe.model.config.ModelConfigException for a bad config.json
     * @throws CheckpointException for bad or missing weights
     */
    public static DecoderModel load(Path folder, ComputeDevice device, DType dtype) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(
                    "compute dtype must be floating point, got " + dtype);
        }
        DecoderSpec spec = Architectures.readSpec(folder);
        try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(folder)) {
            CheckpointWeights weights = new CheckpointWeights(source, folder);
            DecoderModel model = build(spec, weights, device, dtype);
            return model.withUnusedCheckpointKeys(weights.unused());
        }
    }

    /**
     * A model of this architecture with weights from {@code provider}, converted to the device and
     * dtype.
     */
    public static DecoderModel build(
            DecoderSpec spec, WeightProvider provider, ComputeDevice device, DType dtype) {
        try (PointerScope scope = new PointerScope()) {
            ModelLoader loader = new ModelLoader(provider, device, dtype);
            try {
                return loader.build(spec);
            } catch (RuntimeException e) {
                loader.owned.forEach(Owned::release);
                throw e;
            }
        }
    }

    private DecoderModel build(DecoderSpec spec) {
        long h = spec.hiddenSize();
        long qOut = (long) spec.numHeads() * spec.headDim();
        long kvOut = (long) spec.numKvHeads() * spec.headDim();
        Tensor embed = take("model.embed_tokens.weight", spec.vocabSize(), h);
        LayerWeights[] layers = new LayerWeights[spec.numLayers()];
        for (int i = 0; i < spec.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            Tensor qNorm = null;
            Tensor kNorm = null;
            if (spec.qkNorm()) {
                qNorm = take(p + "self_attn.q_norm.weight", spec.headDim());
                kNorm = take(p + "self_attn.k_norm.weight", spec.headDim());
            }
            DenseMlpWeights mlp = null;
            MoeWeights moe = null;
            if (spec.isSparse(i)) {
                moe = moe(spec, p);
            } else {
                mlp = mlp(p + "mlp.", h, spec.intermediateSize(), spec.mlpBias());
            }
            layers[i] =
                    new LayerWeights(
                            take(p + "input_layernorm.weight", h),
                            take(p + "post_attention_layernorm.weight", h),
                            linear(p + "self_attn.q_proj", qOut, h, spec.qkvBias()),
                            linear(p + "self_attn.k_proj", kvOut, h, spec.qkvBias()),
                            linear(p + "self_attn.v_proj", kvOut, h, spec.qkvBias()),
                            linear(p + "self_attn.o_proj", h, qOut, spec.oBias()),
                            qNorm,
                            kNorm,
                            mlp,
                            moe);
        }
        Tensor norm = take("model.norm.weight", h);
        Linear lmHead;
        if (spec.tieWordEmbeddings()) {
            // transformers ties lm_head to the embedding; a stored lm_head.weight is not used.
            source.has("lm_head.weight");
            lmHead = new Linear(embed, null);
        } else {
            lmHead = new Linear(take("lm_head.weight", spec.vocabSize(), h), null);
        }
        return new DecoderModel(spec, device, dtype, embed, layers, norm, lmHead, owned, List.of());
    }

    private DenseMlpWeights mlp(String prefix, long hidden, long inter, boolean bias) {
        return new DenseMlpWeights(
                linear(prefix + "gate_proj", inter, hidden, bias),
                linear(prefix + "up_proj", inter, hidden, bias),
                linear(prefix + "down_proj", hidden, inter, bias));
    }

    private MoeWeights moe(DecoderSpec spec, String p) {
        MoeSpec m = spec.moe();
        long h = spec.hiddenSize();
        long inter = m.expertIntermediateSize();
        int e = m.numExperts();
        boolean mixtral = m.keyStyle() == MoeSpec.KeyStyle.MIXTRAL;
        String block = p + (mixtral ? "block_sparse_moe." : "mlp.");
        Tensor router;
        Tensor gateUp;
        Tensor down;
        String fusedBlock = p + "mlp.";
        if (source.has(fusedBlock + "experts.gate_up_proj")) {
            // transformers 5 layout, saved with save_original_format=False.
            router = take(fusedBlock + "gate.weight", e, h);
            gateUp = take(fusedBlock + "experts.gate_up_proj", e, 2 * inter, h);
            down = take(fusedBlock + "experts.down_proj", e, h, inter);
        } else {
            router = take(block + "gate.weight", e, h);
            String gateName = mixtral ? "w1" : "gate_proj";
            String upName = mixtral ? "w3" : "up_proj";
            String downName = mixtral ? "w2" : "down_proj";
            Tensor[] gates = new Tensor[e];
            Tensor[] ups = new Tensor[e];
            Tensor[] downs = new Tensor[e];
            for (int x = 0; x < e; x++) {
                String ep = block + "experts." + x + ".";
                gates[x] = raw(ep + gateName + ".weight", inter, h);
                ups[x] = raw(ep + upName + ".weight", inter, h);
                downs[x] = raw(ep + downName + ".weight", h, inter);
            }
            Tensor stackedGate = torch.stack(new TensorVector(gates), 0);
            Tensor stackedUp = torch.stack(new TensorVector(ups), 0);
            gateUp = onDevice(Ops.cat(1, stackedGate, stackedUp));
            down = onDevice(torch.stack(new TensorVector(downs), 0));
        }
        DenseMlpWeights shared = null;
        Linear sharedGate = null;
        if (m.hasSharedExpert()) {
            shared = mlp(p + "mlp.shared_expert.", h, m.sharedExpertIntermediateSize(), false);
            sharedGate = linear(p + "mlp.shared_expert_gate", 1, h, false);
        }
        return new MoeWeights(router, gateUp, down, shared, sharedGate);
    }

    private Linear linear(String module, long out, long in, boolean bias) {
        Tensor w = take(module + ".weight", out, in);
        Tensor b = bias ? take(module + ".bias", out) : null;
        return new Linear(w, b);
    }

    /** A checked weight, converted to the model's device and dtype, owned by the model. */
    private Tensor take(String name, long... shape) {
        return onDevice(raw(name, shape));
    }

    private Tensor onDevice(Tensor t) {
        try (Device dev = device.torchDevice()) {
            return keep(t.to(dev, dtype.scalarType()));
        }
    }

    private Tensor keep(Tensor t) {
        owned.add(Owned.keep(t));
        return t;
    }

    /** A checked weight as provided, owned by the current scope. */
    private Tensor raw(String name, long... shape) {
        return source.get(name, shape);
    }

    /** Weights from a safetensors checkpoint: mapped, checked against the expected shapes. */
    static final class CheckpointWeights implements WeightProvider {
        private final TensorSource source;
        private final Path folder;
        private final Set<String> used = new LinkedHashSet<>();

        CheckpointWeights(TensorSource source, Path folder) {
            this.source = source;
            this.folder = folder;
        }

        @Override
        public boolean has(String name) {
            boolean present = source.contains(name);
            if (present) {
                used.add(name);
            }
            return present;
        }

        @Override
        public Tensor get(String name, long... shape) {
            if (!source.contains(name)) {
                throw new CheckpointException(
                        folder,
                        "missing tensor '"
                                + name
                                + "' (config.json describes a model these weights do not match)");
            }
            TensorEntry entry = source.entry(name);
            if (!entry.dtype().isFloatingPoint()) {
                throw new CheckpointException(
                        entry.file(),
                        "tensor '"
                                + name
                                + "' has dtype "
                                + entry.dtype()
                                + ", expected a float type");
            }
            if (!Arrays.equals(entry.shape(), shape)) {
                throw new CheckpointException(
                        entry.file(),
                        "tensor '"
                                + name
                                + "' has shape "
                                + Arrays.toString(entry.shape())
                                + " but config.json implies "
                                + Arrays.toString(shape));
            }
            used.add(name);
            return source.load(name);
        }

        List<String> unused() {
            List<String> out = new ArrayList<>();
            for (String n : source.names()) {
                if (!used.contains(n)) {
                    out.add(n);
                }
            }
            return out;
        }
    }
}
