package dev.troupe.model.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.model.CheckpointWriter;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.HubState;
import dev.troupe.tensor.safetensors.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Folds an adapter into the base weights, {@code W' = W + scaling * B A} (per expert for stacked
 * experts), and exports the result as a plain Hugging Face checkpoint that needs no PEFT to load.
 * The delta is computed in fp32 and added before rounding to the base dtype.
 */
public final class LoraMerge {
    private LoraMerge() {}

    /** The merged delta-plus-base of one adapted weight, in the base dtype. */
    static Tensor merged(Tensor base, LoraWeights w) {
        Tensor delta;
        if (w.isExperts()) {
            long e = w.numExperts();
            long r = w.rank();
            Tensor a = w.a().view(e, r, w.a().size(1)); // (E, r, in)
            Tensor b = w.b().view(w.b().size(0), r, e).permute(2, 0, 1); // (E, out, r)
            delta = torch.bmm(b, a); // (E, out, in)
        } else {
            delta = torch.matmul(w.b(), w.a()); // (out, in)
        }
        Tensor sum =
                base.to(delta.scalar_type())
                        .add(delta.mul(new org.bytedeco.pytorch.Scalar(w.scaling())));
        return sum.to(base.scalar_type()).detach();
    }

    /**
     * Writes {@code model} with {@code adapter} merged in, as a checkpoint folder: {@code
     * config.json} (from {@code sourceFolder}, untied if the LM head was adapted), weights in the
     * hub layout, and the tokenizer files of {@code sourceFolder}.
     */
    public static void export(
            DecoderModel model, LoraAdapter adapter, Path sourceFolder, Path out) {
        ObjectNode config;
        try {
            config =
                    (ObjectNode)
                            new ObjectMapper()
                                    .readTree(
                                            Files.readAllBytes(
                                                    sourceFolder.resolve("config.json")));
        } catch (IOException | ClassCastException e) {
            throw new CheckpointException(
                    sourceFolder.resolve("config.json"), "cannot read: " + e.getMessage(), e);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor head = null;
            if (adapter.lmHead() != null) {
                head = merged(model.lmHeadWeight(), adapter.lmHead());
                config.put("tie_word_embeddings", false);
            }
            Map<String, Tensor> state =
                    HubState.of(
                            model,
                            (layer, p) -> {
                                LoraWeights w = adapter.get(layer, p);
                                return w == null ? null : merged(model.baseWeight(layer, p), w);
                            },
                            head);
            CheckpointWriter.write(out, config, state, 2L << 30);
            CheckpointWriter.copyTokenizer(sourceFolder, out);
        }
    }
}
