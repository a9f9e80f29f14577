package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * fp32 CPU parity with transformers 5.17 + PEFT 0.21 for every supported architecture (fixtures
 * made by {@code scripts/fixtures/make_hf_fixtures.py}): logits, log-probs, greedy and seeded
 * sampled continuations, with and without the adapter, and LoRA gradients.
 */
class HfParityTest {
    static final double TOLERANCE = 1e-4;

    static Stream<String> models() {
        return HfFixture.MODELS.stream();
    }

    /** mask[:, 1:] * mask[:, :-1]: the (B, T-1) next-token pairs that are both real. */
    static Tensor pairMask(Tensor mask) {
        long t = mask.size(1);
        return mask.narrow(1, 1, t - 1).mul(mask.narrow(1, 0, t - 1));
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldMatchTransformersLogitsWithAndWithoutAdapter(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(f.adapterDir(), model);
                PointerScope scope = new PointerScope()) {
            Tensor mask = f.get("attention_mask");
            Tensor base =
                    model.forward(
                            f.get("input_ids"),
                            mask,
                            f.get("position_ids"),
                            null,
                            LoraLookup.NONE,
                            false);
            Tensor lora =
                    model.forward(
                            f.get("input_ids"), mask, f.get("position_ids"), null, adapter, false);
            double errBase = Compare.maxAbsError(base, f.get("logits_base"), mask);
            double errLora = Compare.maxAbsError(lora, f.get("logits_lora"), mask);
            assertTrue(errBase <= TOLERANCE, name + " base logits max abs error " + errBase);
            assertTrue(errLora <= TOLERANCE, name + " LoRA logits max abs error " + errLora);
            // The adapter must change the output, or the comparison above proves nothing about
            // LoRA.
            assertTrue(
                    Compare.maxAbsError(base, lora, mask) > 1e-2, name + ": adapter has no effect");
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldMatchTransformersTokenLogProbs(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(f.adapterDir(), model);
                PointerScope scope = new PointerScope()) {
            Tensor pairs = pairMask(f.get("attention_mask"));
            for (boolean withAdapter : new boolean[] {false, true}) {
                LoraLookup lora = withAdapter ? adapter : LoraLookup.NONE;
                TokenLogProbs.Result r =
                        TokenLogProbs.compute(
                                model,
                                f.get("input_ids"),
                                f.get("attention_mask"),
                                f.get("position_ids"),
                                lora,
                                false,
                                3,
                                true);
                String key = withAdapter ? "logprobs_lora" : "logprobs_base";
                double err = Compare.maxAbsError(r.logProbs(), f.get(key), pairs);
                assertTrue(err <= TOLERANCE, name + " " + key + " max abs error " + err);
                float[] entropy = Tensors.toFloats(r.entropy());
                for (float e : entropy) {
                    assertTrue(
                            e >= 0 && e <= Math.log(model.spec().vocabSize()) + 1e-3,
                            "entropy " + e);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldGenerateTheSameGreedyTokensAsTransformers(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(f.adapterDir(), model)) {
            BatchGenerator gen = new BatchGenerator(model);
            GenerationConfig cfg = GenerationConfig.greedy(8, Set.of(2), 0);
            assertSameTokens(
                    name + " base",
                    gen.generate(f.prompts(), cfg, LoraLookup.NONE),
                    f.get("greedy_base"));
            assertSameTokens(
                    name + " lora", gen.generate(f.prompts(), cfg, adapter), f.get("greedy_lora"));
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldSampleTheSameTokensAsTransformersWithTheSameSeed(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(f.adapterDir(), model)) {
            GenerationConfig cfg = new GenerationConfig(8, 0.8, 20, 0.9, 1234, Set.of(2), 0);
            List<GeneratedSequence> out =
                    new BatchGenerator(model).generate(f.prompts(), cfg, adapter);
            assertSameTokens(name + " sampled", out, f.get("sample_lora"));
        }
    }

    static void assertSameTokens(String what, List<GeneratedSequence> ours, Tensor theirs) {
        long[] ref = Tensors.toLongs(theirs);
        int n = (int) theirs.size(1);
        for (int i = 0; i < ours.size(); i++) {
            int[] t = ours.get(i).tokens();
            long[] expected = java.util.Arrays.copyOfRange(ref, i * n, (i + 1) * n);
            long[] got = new long[n];
            for (int j = 0; j < n; j++) {
                got[j] = j < t.length ? t[j] : 0; // transformers pads finished rows with pad id 0
            }
            assertArrayEquals(expected, got, what + " row " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldMatchTransformersLoraGradients(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(f.adapterDir(), model);
                PointerScope scope = new PointerScope()) {
            Tensor pairs = Ops.to(pairMask(f.get("attention_mask")), DType.F32);
            TokenLogProbs.Result r =
                    TokenLogProbs.compute(
                            model,
                            f.get("input_ids"),
                            f.get("attention_mask"),
                            f.get("position_ids"),
                            adapter,
                            true,
                            4,
                            false);
            Tensor loss = r.logProbs().mul(pairs).sum().neg().div(pairs.sum());
            assertEquals(Tensors.item(f.get("loss")), Tensors.item(loss), 1e-5, name + " loss");
            loss.backward();
            Map<String, Tensor> params = adapter.peftTensors();
            int checked = 0;
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor grad = e.getValue().grad();
                assertTrue(grad.defined(), name + ": no gradient reached " + e.getKey());
                double rel = Compare.relativeError(grad, f.get("grad." + e.getKey()));
                assertTrue(
                        rel <= TOLERANCE,
                        name + " gradient " + e.getKey() + " relative error " + rel);
                checked++;
            }
            assertEquals(f.meta.get("grad_keys").size(), checked, name + ": gradient count");
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldComputeTheSameRopeFrequenciesAsTransformers(String name) {
        try (HfFixture f = new HfFixture(name)) {
            var spec = dev.troupe.model.config.Architectures.readSpec(f.dir);
            float[] ours = spec.rope().inverseFrequencies(spec.headDim());
            float[] theirs = Tensors.toFloats(f.get("inv_freq"));
            assertEquals(theirs.length, ours.length);
            for (int i = 0; i < ours.length; i++) {
                assertEquals(
                        theirs[i],
                        ours[i],
                        Math.abs(theirs[i]) * 1e-6 + 1e-12,
                        name + " inv_freq[" + i + "]");
            }
            assertEquals(
                    Tensors.item(f.get("attention_scaling")), spec.rope().attentionScaling(), 1e-6);
        }
    }
}
