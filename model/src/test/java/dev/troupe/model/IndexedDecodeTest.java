package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.BatchGenerator.StepMode;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.testkit.RepoPaths;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decode steps over an indexed cache (fixed buffers, the whole capacity attended under a mask: what
 * a CUDA graph records) against steps over a growing cache, on the CPU: the same tokens and
 * log-probs, with left-padded prompts, grouped heads, sliding windows shorter than the generated
 * text, and a LoRA adapter.
 */
class IndexedDecodeTest {
    static final List<int[]> PROMPTS =
            List.of(new int[] {5, 9, 11}, new int[] {7, 42, 30, 31, 40, 41, 3}, new int[] {8, 2});

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama", "qwen3"})
    void shouldDecodeAsTheGrowingCacheDoes(String name) {
        try (DecoderModel m =
                        ModelLoader.load(
                                RepoPaths.fixture("hf", name), ComputeDevice.CPU, DType.F32);
                LoraAdapter lora =
                        LoraAdapter.create(
                                m,
                                LoraConfig.of(4, 8, List.of("all-linear")).withInit("false"),
                                3)) {
            for (GenerationConfig cfg :
                    List.of(
                            new GenerationConfig(12, 0.0, 0, 1.0, 0, Set.of(), 0),
                            new GenerationConfig(12, 0.9, 0, 1.0, 17, Set.of(), 0))) {
                List<GeneratedSequence> growing =
                        new BatchGenerator(m, StepMode.GROWING).generate(PROMPTS, cfg, lora);
                BatchGenerator indexed = new BatchGenerator(m, StepMode.INDEXED);
                List<GeneratedSequence> actual = indexed.generate(PROMPTS, cfg, lora);
                assertFalse(indexed.usedCudaGraph(), "no CUDA graph on the CPU");
                assertSameGenerations(growing, actual, 12, 2e-5f, name + " T=" + cfg.temperature());
            }
        }
    }

    /** Same length, the same tokens, log-probs within {@code tolerance}, row by row. */
    static void assertSameGenerations(
            List<GeneratedSequence> expected,
            List<GeneratedSequence> actual,
            int length,
            float tolerance,
            String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            String row = what + " row " + i;
            assertEquals(length, actual.get(i).tokens().length, row);
            assertArrayEquals(expected.get(i).tokens(), actual.get(i).tokens(), row + " tokens");
            assertArrayEquals(
                    expected.get(i).logProbs(),
                    actual.get(i).logProbs(),
                    tolerance,
                    row + " log-probs");
        }
    }
}
