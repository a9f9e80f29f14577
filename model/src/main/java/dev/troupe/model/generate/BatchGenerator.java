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
import org.bytedeco.pytorch.cuda.CUDAEvent;
import org.bytedeco.pytorch.global.torch;

/**
 * Batched generation with a KV cache, as transformers' {@code generate} does it: prompts are
 * left-padded, positions count real tokens only ({@code cumsum(mask) - 1}), one prefill pass fills
 * the cache, then one decode pass per new token. A sequence that emits a stop token is finished; it
 * keeps receiving the pad token (which every later position still attends to, as in transformers)
 * until all are finished or {@code maxNewTokens} is reached.
 *
 * <p>Per step the host reads the (B) new token ids and their log-probs; with an indexed cache the
 * tokens are fed to the next step on the device and read while it runs. On a GPU the decode step of
 * a dense model is recorded once as a CUDA graph and replayed.
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
        Arrays.fill(ids, padToken(config));
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
            Drawn drawn = new Drawn(tokens, logProbs, finished, config);
            if (graph || mode == StepMode.INDEXED) {
                try (IndexedSteps steps =
                        new IndexedSteps(cache, attention, lastPosition, lora, graph)) {
                    decodeOverlapped(steps, sampler, first, drawn, config);
                    usedCudaGraph = steps.graph != null;
                    cudaGraphFailure = steps.failure;
                }
            } else {
                try (EagerSteps steps =
                        new EagerSteps(cache, attention, lastPosition, lora, first)) {
                    Tensor next = first;
                    for (int step = 0; step < config.maxNewTokens(); step++) {
                        long[] chosen;
                        float[] lps;
                        try (PointerScope stepScope = new PointerScope()) {
                            // Both computed before the first read: one wait per step.
                            Tensor[] d = sampler.sampleWithLogProbs(next);
                            chosen = Tensors.toLongs(d[0]);
                            lps = Tensors.toFloats(d[1]);
                        }
                        if (drawn.take(step, chosen, lps) || step == config.maxNewTokens() - 1) {
                            break;
                        }
                        next = steps.next(chosen);
                    }
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

    /** What the host keeps of each step's draw: tokens, log-probs, finished sequences. */
    private record Drawn(
            List<List<Integer>> tokens,
            List<List<Float>> logProbs,
            boolean[] finished,
            GenerationConfig config) {
        /**
         * Records generated token {@code step} of each unfinished sequence; a finished one gets the
         * pad token in {@code chosen}. True when every sequence is finished.
         */
        boolean take(int step, long[] chosen, float[] lps) {
            boolean allDone = true;
            for (int i = 0; i < finished.length; i++) {
                if (finished[i]) {
                    chosen[i] = padToken(config);
                    continue;
                }
                if (Float.isNaN(lps[i])) {
                    throw new IllegalStateException(
                            "the model's next-token scores of sequence "
                                    + i
                                    + " hold NaN at generated token "
                                    + step);
                }
                tokens.get(i).add((int) chosen[i]);
                logProbs.get(i).add(lps[i]);
                if (config.stopTokenIds().contains((int) chosen[i])) {
                    finished[i] = true;
                }
                allDone &= finished[i];
            }
            return allDone;
        }
    }

    private static long padToken(GenerationConfig config) {
        return config.padTokenId() < 0 ? 0 : config.padTokenId();
    }

    /**
     * Decode steps whose tokens stay on the device: each step's draw is fed to the next step there
     * (finished sequences get the pad token from a device-side mask), and copied to pinned host
     * memory behind an event; the host reads step k's tokens while step k+1 runs, so the device
     * never waits for the host between steps. The same tokens and log-probs as reading each draw
     * before the next step (the generator is drawn from in the same order); at most one step more
     * is computed after the last sequence finishes.
     */
    private void decodeOverlapped(
            IndexedSteps steps,
            TokenSampler sampler,
            Tensor first,
            Drawn drawn,
            GenerationConfig config) {
        int b = drawn.finished().length;
        ComputeDevice device = model.device();
        long[] stopIds = config.stopTokenIds().stream().mapToLong(Integer::longValue).toArray();
        try (PointerScope scope = new PointerScope();
                Device dev = device.torchDevice();
                HostCopy slot0 = new HostCopy(device, b);
                HostCopy slot1 = new HostCopy(device, b)) {
            Tensor stop =
                    stopIds.length == 0
                            ? null
                            : Tensors.fromLongs(stopIds, stopIds.length)
                                    .to(dev, DType.I64.scalarType());
            Tensor finishedOnDevice = Tensors.zeros(device, DType.BOOL, b);
            Tensor pad = Tensors.zeros(device, DType.I64, b).add(Ops.s(padToken(config)));
            HostCopy[] slots = {slot0, slot1};
            Tensor[] current = keep(sampler.sampleWithLogProbs(first));
            for (int step = 0; ; step++) {
                boolean last = step == config.maxNewTokens() - 1;
                HostCopy slot = slots[step % 2];
                Tensor[] following = null;
                try (PointerScope stepScope = new PointerScope()) {
                    slot.start(current[0], current[1]);
                    if (!last) {
                        Tensor fed = torch.where(finishedOnDevice, pad, current[0]);
                        if (stop != null) {
                            finishedOnDevice.logical_or_(torch.isin(current[0], stop));
                        }
                        following = keep(sampler.sampleWithLogProbs(steps.next(fed)));
                    }
                }
                Owned.release(current);
                long[] chosen = slot.tokens();
                float[] lps = slot.logProbs();
                if (drawn.take(step, chosen, lps) || last) {
                    if (following != null) {
                        Owned.release(following);
                    }
                    break;
                }
                current = following;
            }
        }
    }

    private static Tensor[] keep(Tensor[] tensors) {
        for (Tensor t : tensors) {
            Owned.keep(t);
        }
        return tensors;
    }

    /**
     * A step's tokens and log-probs on their way to the host: on a GPU a non-blocking copy into
     * pinned memory and an event to wait for; on the CPU a plain copy.
     */
    private static final class HostCopy implements AutoCloseable {
        private final Tensor tokens;
        private final Tensor logProbs;
        private final CUDAEvent event;

        HostCopy(ComputeDevice device, int b) {
            try (PointerScope scope = new PointerScope()) {
                Tensor t = Tensors.zeros(ComputeDevice.CPU, DType.I64, b);
                Tensor l = Tensors.zeros(ComputeDevice.CPU, DType.F32, b);
                tokens = Owned.keep(device.isCuda() ? t.pin_memory() : t);
                logProbs = Owned.keep(device.isCuda() ? l.pin_memory() : l);
            }
            event = device.isCuda() ? new CUDAEvent() : null;
        }

        void start(Tensor deviceTokens, Tensor deviceLogProbs) {
            tokens.copy_(deviceTokens, event != null);
            logProbs.copy_(deviceLogProbs, event != null);
            if (event != null) {
                event.record();
            }
        }

        long[] tokens() {
            if (event != null) {
                event.synchronize();
            }
            return Tensors.toLongs(tokens);
        }

        float[] logProbs() {
            return Tensors.toFloats(logProbs);
        }

        @Override
        public void close() {
            Owned.release(tokens, logProbs);
            if (event != null) {
                event.close();
            }
        }
    }

    /** One eager forward pass per step; the cache grows by one position each time. */
    private final class EagerSteps implements AutoCloseable {
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

        Tensor next(long[] chosen) {
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
    private final class IndexedSteps implements AutoCloseable {
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

        /** The step after {@code chosen} (B) int64 on the device; its logits, as for growing. */
        Tensor next(Tensor chosen) {
            try (PointerScope stepScope = new PointerScope()) {
                stepIds.copy_(chosen.view(-1, 1));
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

    /**
     * Logits of the last position, (B, V), in the model's dtype: the samplers read half precision
     * as fp32 (as transformers casts the last logits), without an fp32 copy of the whole batch's
     * vocabulary in every step.
     */
    private Tensor lastLogits(
            Tensor ids, Tensor attention, Tensor positions, KvCache cache, LoraLookup lora) {
        long t = ids.size(1);
        Tensor h = model.hidden(ids, attention, positions, cache, lora, false);
        Tensor last = h.narrow(1, t - 1, 1).squeeze(1);
        return model.logits(last, lora, false);
    }
}
