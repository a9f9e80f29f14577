package dev.troupe.bench.model;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.layers.KvCache;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One KV-cached decode step at a fixed context: {@code batchSize} sequences each feed one new token
 * at position {@code contextTokens}, attending over the {@code contextTokens} cached positions and
 * itself; then the LM head and the greedy next token copied to the host, as {@code BatchGenerator}
 * does per step. One operation produces {@code batchSize} tokens; the runner turns ops/s into
 * tokens/s.
 *
 * <p>The context is prefilled once per trial. Each operation rewinds the cache's length to {@code
 * contextTokens} (an O(1) index reset; the cached keys and values stay) and overwrites the same
 * slot, so every step measures the same context length rather than a growing one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = ModelCpuSettings.WARMUP_ITERATIONS, time = ModelCpuSettings.ITERATION_SECONDS)
@Measurement(
        iterations = ModelCpuSettings.MEASUREMENT_ITERATIONS,
        time = ModelCpuSettings.ITERATION_SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xmx2g",
            ModelCpuSettings.JAVACPP_NO_LIMIT_PHYSICAL,
            ModelCpuSettings.JAVACPP_NO_LIMIT
        })
public class DecodeBenchmark {
    // JMH sets @Param fields and calls @Setup after construction, so these cannot be final.

    @Param({"1", "8"})
    public int batchSize;

    @Param({"128"})
    public int contextTokens;

    @Param public AdapterVariant adapter;

    private ModelUnderTest subject;
    private KvCache cache;

    /** (batchSize, 1) int64: the token each sequence feeds at every step. */
    private Tensor stepIds;

    @Setup(Level.Trial)
    public void setUp() {
        subject = ModelUnderTest.open(adapter);
        cache = subject.model().newCache(batchSize, contextTokens + 1);
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            Tensor context =
                    Tensors.fromLongs(
                            BenchTokens.random(batchSize * contextTokens, BenchModels.SEED),
                            batchSize,
                            contextTokens);
            subject.model().hidden(context, null, null, cache, subject.lora(), false);
        }
        stepIds =
                Tensors.fromLongs(
                        BenchTokens.random(batchSize, BenchModels.SEED + 1), batchSize, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stepIds.close();
        cache.close();
        subject.close();
    }

    /**
     * @return (batchSize) the greedy next token of each sequence
     */
    @Benchmark
    public long[] decodeStep() {
        DecoderModel model = subject.model();
        LoraLookup lora = subject.lora();
        cache.reset();
        cache.advance(contextTokens);
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(stepIds, null, null, cache, lora, false); // (B, 1, V)
            return Tensors.toLongs(logits.argmax(new LongOptional(-1), false));
        }
    }
}
