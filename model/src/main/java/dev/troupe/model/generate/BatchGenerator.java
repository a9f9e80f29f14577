package dev.troupe.model.generate;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.layers.KvCache;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Batched generation with a KV cache, as transformers' {@code generate} does it: prompts are
 * left-padded, positions count real tokens only ({@code cumsum(mask) - 1}), one prefill pass fills
 * the cache, then one decode pass per new token. A sequence that emits a stop token is finished; it
 * keeps receiving the pad token (which every later position still attends to, as in transformers)
 * until all are finished or {@code maxNewTokens} is reached.
 *
 * <p>Per step the only host round trip is the (B) new token ids, needed for stop checks.
 */
public final class BatchGenerator {
    private final DecoderModel model;

    public BatchGenerator(DecoderModel model) {
        this.model = model;
    }

    /**
     * @param prompts token ids of each prompt (non-empty)
     * @param config decoding settings
     * @param lora the adapter to generate with, {@link LoraLookup#NONE} for the base model
     */
    public List<GeneratedSequence> generate(
            List<int[]> prompts, GenerationConfig config, LoraLookup lora) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        int b = prompts.size();
        int maxPrompt = 0;
        for (int[] p : prompts) {
            if (p.length == 0) {
                throw new IllegalArgumentException("empty prompt");
            }
            maxPrompt = Math.max(maxPrompt, p.length);
        }
        ComputeDevice device = model.device();
        long[] ids = new long[b * maxPrompt];
        long[] mask = new long[b * maxPrompt];
        Arrays.fill(ids, config.padTokenId() < 0 ? 0 : config.padTokenId());
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int offset = i * maxPrompt + (maxPrompt - p.length);
            for (int j = 0; j < p.length; j++) {
                ids[offset + j] = p[j];
                mask[offset + j] = 1;
            }
        }
        List<List<Integer>> tokens = new ArrayList<>();
        List<List<Float>> logProbs = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            tokens.add(new ArrayList<>());
            logProbs.add(new ArrayList<>());
        }
        boolean[] finished = new boolean[b];
        try (NoGrad noGrad = new NoGrad();
                SeededRandom random =
                        config.isGreedy() ? null : new SeededRandom(device, config.seed());
                KvCache cache = model.newCache(b, maxPrompt + config.maxNewTokens());
                PointerScope outer = new PointerScope();
                Device dev = device.torchDevice()) {
            TokenSampler sampler =
                    config.isGreedy()
                            ? new GreedySampler()
                            : new RandomSampler(
                                    config.temperature(), config.topK(), config.topP(), random);
            Tensor inputIds = Tensors.fromLongs(ids, b, maxPrompt).to(dev, DType.I64.scalarType());
            Tensor attention =
                    Tensors.fromLongs(mask, b, maxPrompt).to(dev, DType.I64.scalarType());
            // transformers 5: position_ids = cumsum(mask) - 1, with padding positions set to 0.
            Tensor positions =
                    attention
                            .cumsum(-1)
                            .sub(Ops.s(1L))
                            .masked_fill(attention.eq(Ops.s(0L)), Ops.s(0L));
            // Per-step state, owned here and replaced each step so memory stays flat.
            Tensor lastPosition = Owned.keep(positions.narrow(1, maxPrompt - 1, 1)); // (B, 1)
            Tensor next = Owned.keep(lastLogits(inputIds, attention, positions, cache, lora));
            attention = Owned.keep(attention);
            try {
                for (int step = 0; step < config.maxNewTokens(); step++) {
                    long[] chosen;
                    float[] lps;
                    try (PointerScope stepScope = new PointerScope()) {
                        Tensor sampled = sampler.sample(next);
                        chosen = Tensors.toLongs(sampled);
                        lps = Tensors.toFloats(sampler.logProbs(next, sampled));
                    }
                    boolean allDone = true;
                    for (int i = 0; i < b; i++) {
                        if (finished[i]) {
                            chosen[i] = config.padTokenId() < 0 ? 0 : config.padTokenId();
                            continue;
                        }
                        tokens.get(i).add((int) chosen[i]);
                        logProbs.get(i).add(lps[i]);
                        if (config.stopTokenIds().contains((int) chosen[i])) {
                            finished[i] = true;
                        }
                        allDone &= finished[i];
                    }
                    if (allDone || step == config.maxNewTokens() - 1) {
                        break;
                    }
                    Tensor newAttention;
                    Tensor newLast;
                    Tensor newNext;
                    try (PointerScope stepScope = new PointerScope()) {
                        Tensor stepIds =
                                Tensors.fromLongs(chosen, b, 1).to(dev, DType.I64.scalarType());
                        Tensor ones = Tensors.ones(device, DType.I64, b, 1);
                        newAttention = Owned.keep(Ops.cat(1, attention, ones));
                        newLast = Owned.keep(lastPosition.add(Ops.s(1L)));
                        newNext =
                                Owned.keep(lastLogits(stepIds, newAttention, newLast, cache, lora));
                    }
                    Owned.release(attention, lastPosition, next);
                    attention = newAttention;
                    lastPosition = newLast;
                    next = newNext;
                }
            } finally {
                Owned.release(attention, lastPosition, next);
            }
        }
        List<GeneratedSequence> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            int[] t = tokens.get(i).stream().mapToInt(Integer::intValue).toArray();
            float[] lp = new float[t.length];
            for (int j = 0; j < lp.length; j++) {
                lp[j] = logProbs.get(i).get(j);
            }
            out.add(new GeneratedSequence(t, lp, finished[i]));
        }
        return out;
    }

    /** fp32 logits of the last position: (B, V). */
    private Tensor lastLogits(
            Tensor ids, Tensor attention, Tensor positions, KvCache cache, LoraLookup lora) {
        long t = ids.size(1);
        Tensor h = model.hidden(ids, attention, positions, cache, lora, false);
        Tensor last = h.narrow(1, t - 1, 1).squeeze(1);
        return Ops.to(model.logits(last, lora, false), DType.F32);
    }
}
