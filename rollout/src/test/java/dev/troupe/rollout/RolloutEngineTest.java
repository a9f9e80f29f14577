package dev.troupe.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.GenerateRequest;
import dev.troupe.proto.v1.RolloutPrompt;
import dev.troupe.proto.v1.SamplingParams;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.testkit.RepoPaths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RolloutEngineTest {
    static RolloutEngine engine;

    @BeforeAll
    static void load() {
        engine =
                new RolloutEngine(
                        ModelLoader.load(
                                RepoPaths.fixture("hf", "qwen2"), ComputeDevice.CPU, DType.F32),
                        5);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static GenerateRequest request(long seed, long version, double temperature) {
        return GenerateRequest.newBuilder()
                .setRequestId(9)
                .setStep(3)
                .setAdapterVersion(version)
                .setSeed(seed)
                .setSampling(
                        SamplingParams.newBuilder()
                                .setTemperature(temperature)
                                .setTopP(1)
                                .setMaxNewTokens(6)
                                .setPadTokenId(0))
                .addPrompts(
                        RolloutPrompt.newBuilder()
                                .setPromptIndex(0)
                                .setGroupSize(3)
                                .addAllTokens(List.of(5, 6, 7)))
                .addPrompts(
                        RolloutPrompt.newBuilder()
                                .setPromptIndex(1)
                                .setGroupSize(3)
                                .addAllTokens(List.of(9, 10)))
                .build();
    }

    static List<List<Integer>> tokens(GenerateReply r) {
        return r.getCompletionsList().stream().map(Completion::getTokensList).toList();
    }

    @Test
    void groupsCarrySampleIdsAndLogProbs() {
        engine.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
        GenerateReply r = engine.generate(request(1, 0, 1.0));
        // 2 prompts x 3 samples, decoded in batches of at most 5.
        assertEquals(6, r.getCompletionsCount());
        for (int i = 0; i < 6; i++) {
            Completion c = r.getCompletions(i);
            assertEquals(3, c.getSampleId().getStep());
            assertEquals(i / 3, c.getSampleId().getPromptIndex());
            assertEquals(i % 3, c.getSampleId().getSampleIndex());
            assertEquals(c.getTokensCount(), c.getLogProbsCount());
            assertTrue(c.getLogProbsList().stream().allMatch(x -> x <= 0 && Float.isFinite(x)));
        }
        assertEquals(0, r.getAdapterVersion());
        assertEquals(
                r.getCompletionsList().stream().mapToLong(Completion::getTokensCount).sum(),
                r.getGeneratedTokens());
    }

    @Test
    void sameSeedSameTokensOtherSeedOthers() {
        engine.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
        List<List<Integer>> a = tokens(engine.generate(request(42, 0, 1.0)));
        List<List<Integer>> b = tokens(engine.generate(request(42, 0, 1.0)));
        List<List<Integer>> c = tokens(engine.generate(request(43, 0, 1.0)));
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void refusesAnotherAdapterVersion() {
        engine.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class, () -> engine.generate(request(1, 7, 1.0)));
        assertTrue(e.getMessage().contains("version 7"), e.getMessage());
        assertTrue(e.getMessage().contains("version 0 is in use"), e.getMessage());
    }

    @Test
    void swapChangesWhatIsGenerated() {
        engine.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
        GenerateReply withAdapter = engine.generate(request(5, 0, 0.0));
        // A failed swap keeps the adapter in use.
        assertThrows(
                RuntimeException.class,
                () -> engine.useAdapter(1, RepoPaths.fixture("hf", "no-such-adapter")));
        assertEquals(0, engine.adapterVersion());
        engine.useAdapter(2, RepoPaths.fixture("hf", "qwen2", "adapter"));
        assertEquals(2, engine.adapterVersion());
        assertEquals(tokens(withAdapter), tokens(engine.generate(request(5, 2, 0.0))));
        List<Float> lpA = withAdapter.getCompletions(0).getLogProbsList();
        assertEquals(lpA, engine.generate(request(5, 2, 0.0)).getCompletions(0).getLogProbsList());
    }

    @Test
    void mergedAdapterGeneratesWhatTheUnmergedOneDoesAndFollowsUpdates() {
        try (RolloutEngine merging =
                new RolloutEngine(
                        ModelLoader.load(
                                RepoPaths.fixture("hf", "qwen2"), ComputeDevice.CPU, DType.F32),
                        5,
                        true)) {
            engine.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
            merging.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
            GenerateReply expected = engine.generate(request(5, 0, 1.0));
            GenerateReply actual = merging.generate(request(5, 0, 1.0));
            assertEquals(tokens(expected), tokens(actual));
            assertClose(expected, actual);
            // An update copied in place must reach the merged weights (merged again).
            Map<String, Tensor> tripled = new HashMap<>();
            try (LoraAdapter a =
                            LoraAdapter.load(
                                    RepoPaths.fixture("hf", "qwen2", "adapter"), merging.model());
                    PointerScope scope = new PointerScope()) {
                for (Map.Entry<String, Tensor> e : a.peftTensors().entrySet()) {
                    tripled.put(e.getKey(), e.getValue().mul(new Scalar(3.0)));
                }
                engine.useAdapterTensors(1, tripled, () -> null);
                merging.useAdapterTensors(1, tripled, () -> null);
            }
            GenerateReply expected1 = engine.generate(request(5, 1, 1.0));
            GenerateReply actual1 = merging.generate(request(5, 1, 1.0));
            assertNotEquals(
                    expected.getCompletions(0).getLogProbsList(),
                    expected1.getCompletions(0).getLogProbsList(),
                    "the update changes generation");
            assertEquals(tokens(expected1), tokens(actual1));
            assertClose(expected1, actual1);
        }
    }

    static void assertClose(GenerateReply expected, GenerateReply actual) {
        for (int i = 0; i < expected.getCompletionsCount(); i++) {
            List<Float> e = expected.getCompletions(i).getLogProbsList();
            List<Float> a = actual.getCompletions(i).getLogProbsList();
            for (int j = 0; j < e.size(); j++) {
                assertEquals(e.get(j), a.get(j), 1e-4, "completion " + i + " token " + j);
            }
        }
    }

    @Test
    void emptyPromptIsNamed() {
        engine.useAdapter(0, RepoPaths.fixture("hf", "qwen2", "adapter"));
        GenerateRequest bad =
                request(1, 0, 1.0).toBuilder()
                        .addPrompts(RolloutPrompt.newBuilder().setPromptIndex(2).setGroupSize(1))
                        .build();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> engine.generate(bad));
        assertTrue(e.getMessage().contains("prompt 2"), e.getMessage());
    }
}
