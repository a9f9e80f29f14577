package dev.troupe.model.generate;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.layers.KvCache;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.CudaGraph;
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
 * <p>Per step the only host round trip is the (B) new token ids, needed for stop checks. On a GPU
 * the decode step of a dense model is recorded once as a CUDA graph and replayed.
 */
public final class BatchGenerator {
    private final DecoderModel model;
    private final StepMode mode;
    private boolean usedCudaGraph;
    private String cudaGraphFailure;

    /** How decode steps run. */
    public enum StepMode {
        /** One forward pass per step over a cache that grows by a position each step. */
        GROWING,
        /**
         * Fixed input buffers and an indexed cache attended over its whole capacity: nothing the
         * step reads changes shape or place, what a CUDA graph needs. Eager (for tests and for
         * models a graph cannot record).
         */
        INDEXED,
        /**
         * INDEXED steps recorded as a CUDA graph once and replayed: on a GPU, for dense models;
         * elsewhere GROWING.
         */
        CUDA_GRAPH
    }

    /** A generator that records decode steps as CUDA graphs where it can. */
    public BatchGenerator(DecoderModel model) {
        this(model, StepMode.CUDA_GRAPH);
    }

    public BatchGenerator(DecoderModel model, StepMode mode) {
        this.model = model;
        this.mode = mode;
    }

    /** Whether the last {@link #generate} replayed a CUDA graph for its decode steps. */
    public boolean usedCudaGraph() {
        return usedCudaGraph;
    }

    /** Why the last {@link #generate} could not record a CUDA graph, or null. */
    public String cudaGraphFailure() {
        return cudaGraphFailure;
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
        usedCudaGraph = false;
        cudaGraphFailure = null;
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
            Tensor lastPosition = positions.narrow(1, maxPrompt - 1, 1); // (B, 1)
            Tensor first = lastLogits(inputIds, attention, positions, cache, lora);
            boolean graph = mode == StepMode.CUDA_GRAPH && device.isCuda() && model.graphable();
            try (Steps steps =
                    graph || mode == StepMode.INDEXED
                            ? new IndexedSteps(cache, attention, lastPosition, lora, graph)
                            : new EagerSteps(cache, attention, lastPosition, lora, first)) {
                Tensor next = first;
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
                    next = steps.next(chosen);
                }
                if (steps instanceof IndexedSteps g) {
                    usedCudaGraph = g.graph != null;
                    cudaGraphFailure = g.failure;
                }
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

    /**
     * The decode steps after the prompt: each takes the tokens just chosen and gives the fp32
     * logits (B, V) of the next position, owned by the steps object until its next call.
     */
    private interface Steps extends AutoCloseable {
        Tensor next(long[] chosen);

        @Override
        void close();
    }

    /** One eager forward pass per step; the cache grows by one position each time. */
    private final class EagerSteps implements Steps {
        private final KvCache cache;
        private final LoraLookup lora;
        private Tensor attention;
        private Tensor lastPosition;
        private Tensor logits;

        EagerSteps(
                KvCache cache,
                Tensor attention,
                Tensor lastPosition,
                LoraLookup lora,
                Tensor promptLogits) {
            this.cache = cache;
            this.lora = lora;
            this.attention = Owned.keep(attention);
            this.lastPosition = Owned.keep(lastPosition);
            this.logits = Owned.keep(promptLogits);
        }

        @Override
        public Tensor next(long[] chosen) {
            Tensor newAttention;
            Tensor newLast;
            Tensor newLogits;
            ComputeDevice device = model.device();
            try (PointerScope stepScope = new PointerScope();
                    Device dev = device.torchDevice()) {
                Tensor stepIds =
                        Tensors.fromLongs(chosen, chosen.length, 1).to(dev, DType.I64.scalarType());
                Tensor ones = Tensors.ones(device, DType.I64, chosen.length, 1);
                newAttention = Owned.keep(Ops.cat(1, attention, ones));
                newLast = Owned.keep(lastPosition.add(Ops.s(1L)));
                newLogits = Owned.keep(lastLogits(stepIds, newAttention, newLast, cache, lora));
            }
            Owned.release(attention, lastPosition, logits);
            attention = newAttention;
            lastPosition = newLast;
            logits = newLogits;
            return logits;
        }

        @Override
        public void close() {
            Owned.release(attention, lastPosition, logits);
        }
    }

    /**
     * Decode steps over an indexed cache with fixed input buffers; when asked to record, the first
     * step is recorded as a CUDA graph and replayed after. Per step the host only copies the chosen
     * tokens in and moves the position, the key mask and the write index on. If recording fails the
     * same steps run eagerly (the reason is kept).
     */
    private final class IndexedSteps implements Steps {
        private final KvCache cache;
        private final LoraLookup lora;

        /** (B, 1) int64: the token of this step. */
        private final Tensor stepIds;

        /** (B, 1) int64: its position. */
        private final Tensor position;

        /** (B, capacity) int64: which cache positions hold real tokens. */
        private final Tensor keyValid;

        private Tensor logits;
        private CudaGraph graph;
        private String failure;
        private boolean captureTried;

        IndexedSteps(
                KvCache cache,
                Tensor attention,
                Tensor lastPosition,
                LoraLookup lora,
                boolean record) {
            this.captureTried = !record;
            this.cache = cache;
            this.lora = lora;
            ComputeDevice device = model.device();
            long b = attention.size(0);
            try (PointerScope scope = new PointerScope()) {
                stepIds = Owned.keep(Tensors.zeros(device, DType.I64, b, 1));
                position = Owned.keep(lastPosition.clone());
                keyValid = Owned.keep(Tensors.zeros(device, DType.I64, b, cache.capacity()));
                keyValid.narrow(1, 0, attention.size(1)).copy_(attention);
            }
            cache.useIndexedWrites(device);
        }

        @Override
        public Tensor next(long[] chosen) {
            try (PointerScope stepScope = new PointerScope();
                    Device dev = model.device().torchDevice()) {
                stepIds.copy_(
                        Tensors.fromLongs(chosen, chosen.length, 1)
                                .to(dev, DType.I64.scalarType()));
                position.add_(Ops.s(1L));
                keyValid.index_fill_(1, cache.writeIndex(), Ops.s(1L));
            }
            if (!captureTried) {
                captureTried = true;
                try {
                    graph = CudaGraph.capture(model.device(), this::forward);
                } catch (IllegalStateException | LinkageError e) {
                    // LinkageError: libtorch's CUDA API or the CUDA runtime's JNI library is
                    // missing (a bundle without them): the steps still run, eagerly.
                    failure = e.toString();
                }
            }
            if (graph != null) {
                graph.replay();
            } else {
                forward();
            }
            cache.advance(1);
            return logits;
        }

        /** The recorded step: reads the fixed buffers, leaves the logits in {@link #logits}. */
        private void forward() {
            Tensor out;
            try (PointerScope scope = new PointerScope()) {
                out = Owned.keep(lastLogits(stepIds, keyValid, position, cache, lora));
            }
            if (logits != null) {
                Owned.release(logits);
            }
            logits = out;
        }

        @Override
        public void close() {
            if (graph != null) {
                graph.close();
            }
            Owned.release(stepIds, position, keyValid);
            if (logits != null) {
                Owned.release(logits);
            }
        }
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
