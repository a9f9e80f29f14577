package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.BatchGenerator.StepMode;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.model.lora.MergedLora;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.testkit.RepoPaths;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decode steps recorded as a CUDA graph and replayed, against eager steps over a growing cache, on
 * a GPU (skipped without one): the same tokens and log-probs, and a MoE model falls back to eager
 * steps.
 */
class CudaGraphDecodeTest {
    static final List<int[]> PROMPTS = IndexedDecodeTest.PROMPTS;

    @BeforeEach
    void needsGpu() {
        assumeTrue(ComputeDevice.cudaAvailable(), "needs a CUDA device");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama", "qwen3"})
    void shouldReplayWhatTheEagerStepsCompute(String name) {
        try (DecoderModel m =
                        ModelLoader.load(
                                RepoPaths.fixture("hf", name), ComputeDevice.cuda(0), DType.F32);
                LoraAdapter lora =
                        LoraAdapter.create(
                                m,
                                LoraConfig.of(4, 8, List.of("all-linear")).withInit("false"),
                                3)) {
            BatchGenerator graphs = new BatchGenerator(m, StepMode.CUDA_GRAPH);
            // Several calls: each records its own graph and frees it.
            for (GenerationConfig cfg :
                    List.of(
                            new GenerationConfig(20, 0.0, 0, 1.0, 0, Set.of(), 0),
                            new GenerationConfig(20, 0.9, 0, 1.0, 17, Set.of(), 0),
                            new GenerationConfig(20, 0.9, 0, 1.0, 18, Set.of(), 0))) {
                List<GeneratedSequence> eager =
                        new BatchGenerator(m, StepMode.GROWING).generate(PROMPTS, cfg, lora);
                List<GeneratedSequence> replayed = graphs.generate(PROMPTS, cfg, lora);
                assertNull(graphs.cudaGraphFailure(), "capture failed");
                assertTrue(graphs.usedCudaGraph(), "no CUDA graph replayed");
                IndexedDecodeTest.assertSameGenerations(
                        eager, replayed, 20, 1e-4f, name + " T=" + cfg.temperature());
            }
        }
    }

    @Test
    void shouldReplayWithTheAdapterMergedIntoTheWeights() {
        try (DecoderModel m =
                        ModelLoader.load(
                                RepoPaths.fixture("hf", "llama"),
                                ComputeDevice.cuda(0),
                                DType.F32);
                LoraAdapter lora =
                        LoraAdapter.create(
                                m,
                                LoraConfig.of(4, 8, List.of("all-linear")).withInit("false"),
                                3);
                MergedLora merged = MergedLora.of(m, lora)) {
            GenerationConfig cfg = new GenerationConfig(20, 0.9, 0, 1.0, 17, Set.of(), 0);
            List<GeneratedSequence> eager =
                    new BatchGenerator(m, StepMode.GROWING).generate(PROMPTS, cfg, lora);
            BatchGenerator graphs = new BatchGenerator(m, StepMode.CUDA_GRAPH);
            List<GeneratedSequence> replayed = graphs.generate(PROMPTS, cfg, merged);
            assertTrue(graphs.usedCudaGraph(), "no CUDA graph replayed");
            IndexedDecodeTest.assertSameGenerations(eager, replayed, 20, 1e-4f, "merged");
        }
    }

    @Test
    void shouldRunRoutedExpertsEagerly() {
        try (DecoderModel m =
                ModelLoader.load(
                        RepoPaths.fixture("hf", "qwen2_moe"), ComputeDevice.cuda(0), DType.F32)) {
            assertFalse(m.graphable());
            BatchGenerator g = new BatchGenerator(m, StepMode.CUDA_GRAPH);
            List<GeneratedSequence> out =
                    g.generate(
                            PROMPTS,
                            new GenerationConfig(6, 0.0, 0, 1.0, 0, Set.of(), 0),
                            dev.troupe.model.lora.LoraLookup.NONE);
            assertFalse(g.usedCudaGraph());
            assertEquals(6, out.get(0).tokens().length);
        }
    }
}
