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
 * Prefill as {@code BatchGenerator} does it: one forward pass over {@code batchSize} prompts of
 * {@code promptTokens} tokens each, writing every position's keys and values into the KV cache,
 * then the LM head on the last position and the greedy first token copied to the host. One
 * operation processes {@code batchSize * promptTokens} tokens; the runner turns ops/s into
 * tokens/s.
 *
 * <p>The cache is rewound at the start of each operation (an O(1) index reset, the buffers are
 * reused), so every operation prefills an empty cache.
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
public class PrefillBenchmark {
    // JMH sets @Param fields and calls @Setup after construction, so these cannot be final.

    @Param({"1", "8"})
    public int batchSize;

    @Param({"128"})
    public int promptTokens;

    @Param public AdapterVariant adapter;

    private ModelUnderTest subject;
    private KvCache cache;

    /** (batchSize, promptTokens) int64 token ids. */
    private Tensor inputIds;

    @Setup(Level.Trial)
    public void setUp() {
        subject = ModelUnderTest.open(adapter);
        cache = subject.model().newCache(batchSize, promptTokens);
        inputIds =
                Tensors.fromLongs(
                        BenchTokens.random(batchSize * promptTokens, BenchModels.SEED),
                        batchSize,
                        promptTokens);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        inputIds.close();
        cache.close();
        subject.close();
    }

    /**
     * @return (batchSize) the greedy next token of each prompt
     */
    @Benchmark
    public long[] prefill() {
        DecoderModel model = subject.model();
        LoraLookup lora = subject.lora();
        cache.reset();
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            Tensor hidden = model.hidden(inputIds, null, null, cache, lora, false); // (B, T, H)
            Tensor last = hidden.narrow(1, promptTokens - 1, 1); // (B, 1, H)
            Tensor logits = model.logits(last, lora, false); // (B, 1, V) f32
            return Tensors.toLongs(logits.argmax(new LongOptional(-1), false));
        }
    }
}
