package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.testkit.SlowTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * 10,000 KV-cached decode steps leave native memory flat: every per-step tensor is freed when its
 * step ends, not when the garbage collector gets round to it.
 */
@SlowTest
class NativeMemoryTest {
    static final int BATCH = 4;
    static final int NEW_TOKENS = 100;
    static final int ROUNDS = 100; // 100 rounds x 100 steps = 10,000 decode steps
    static final int WARMUP_ROUNDS = 30;

    @Test
    void shouldKeepNativeMemoryFlatOverTenThousandDecodeSteps() {
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.put("model_type", "qwen2");
        config.put("vocab_size", 4096); // large enough that a leaked (B, vocab) logits tensor shows
        config.put("hidden_size", 64);
        config.put("intermediate_size", 128);
        config.put("num_hidden_layers", 2);
        config.put("num_attention_heads", 4);
        config.put("num_key_value_heads", 2);
        config.put("max_position_embeddings", 256);
        config.put("initializer_range", 0.1);
        try (DecoderModel model = RandomModels.create(config, 3, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                model,
                                LoraConfig.of(4, 8, List.of("q_proj", "v_proj", "down_proj")),
                                5)) {
            BatchGenerator gen = new BatchGenerator(model);
            List<int[]> prompts =
                    List.of(
                            new int[] {1, 2, 3},
                            new int[] {4, 5},
                            new int[] {6},
                            new int[] {7, 8, 9, 10});
            // Sampling (not greedy) so the sampler's tensors are exercised too; no stop token, so
            // every round runs all its steps.
            GenerationConfig cfg = new GenerationConfig(NEW_TOKENS, 1.0, 50, 0.95, 0, Set.of(), 0);
            long steps = 0;
            long warmCount = 0;
            List<Long> rssMiB = new ArrayList<>(); // resident set size every 500 steps
            for (int round = 0; round < ROUNDS; round++) {
                List<GeneratedSequence> out = gen.generate(prompts, cfg.withSeed(round), adapter);
                for (GeneratedSequence s : out) {
                    assertEquals(NEW_TOKENS, s.length());
                }
                steps += NEW_TOKENS;
                if (round == WARMUP_ROUNDS - 1) {
                    warmCount = Pointer.totalCount();
                }
                if (round % 5 == 4) {
                    rssMiB.add(Pointer.physicalBytes() >> 20);
                }
            }
            assertEquals(10_000, steps);
            // The first 3,000 steps warm up allocator caches, JIT code and heap pages. After that,
            // the lowest reading of the last 2,000 steps may not exceed the highest of steps
            // 3,000-5,000 by more than 16 MiB; one leaked (4, 4096) fp32 tensor per step would add
            // 64 KiB x 5,000 = 310 MiB. Max/min windows absorb the heap's own breathing.
            long warm =
                    rssMiB.subList(5, 10).stream().mapToLong(Long::longValue).max().orElseThrow();
            long last =
                    rssMiB.subList(16, 20).stream().mapToLong(Long::longValue).min().orElseThrow();
            long handles = Pointer.totalCount() - warmCount;
            assertTrue(
                    last - warm < 16,
                    "resident memory grew by " + (last - warm) + " MiB: " + rssMiB);
            assertTrue(handles < 2_000, "JavaCPP handles grew by " + handles);
        }
    }
}
