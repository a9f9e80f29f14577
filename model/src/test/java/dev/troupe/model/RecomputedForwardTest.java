package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.model.layers.Projection;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.RepoPaths;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Activation recomputation ({@link DecoderModel#forwardRecomputed}) against a plain pass. */
class RecomputedForwardTest {
    static final LoraConfig LORA = LoraConfig.of(4, 8, List.of("all-linear")).withInit("false");

    static DecoderModel model() {
        return ModelLoader.load(RepoPaths.fixture("hf", "qwen2"), ComputeDevice.CPU, DType.F32);
    }

    /** Two rows, the second right-padded, and fixed weights for a loss over the hidden states. */
    static Tensor[] batch(long hidden) {
        Tensor ids =
                Tensors.fromLongs(new long[] {5, 9, 11, 200, 7, 42, 30, 31, 40, 41, 0, 0}, 2, 6);
        Tensor mask = Tensors.fromLongs(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 6);
        float[] w = new float[(int) (2 * 6 * hidden)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(0.37 * i);
        }
        return new Tensor[] {ids, mask, Tensors.fromFloats(w, 2, 6, hidden)};
    }

    static List<float[]> grads(LoraAdapter a) {
        List<float[]> out = new ArrayList<>();
        for (Tensor p : a.parameters()) {
            out.add(p.grad().defined() ? Tensors.toFloats(p.grad()) : null);
        }
        return out;
    }

    @Test
    void shouldGiveThePlainPassHiddenStatesAndGradients() {
        try (DecoderModel m = model();
                LoraAdapter plain = LoraAdapter.create(m, LORA, 5);
                LoraAdapter recomputed = LoraAdapter.create(m, LORA, 5);
                PointerScope scope = new PointerScope()) {
            Tensor[] b = batch(m.spec().hiddenSize());
            Tensor h = m.hidden(b[0], b[1], null, null, plain, true);
            h.mul(b[2]).sum().backward();
            List<float[]> expected = grads(plain);

            try (DecoderModel.Recomputed rc = m.forwardRecomputed(b[0], b[1], recomputed, 1)) {
                assertArrayEquals(
                        Tensors.toFloats(h), Tensors.toFloats(rc.hidden()), 1e-6f, "hidden");
                rc.hidden().mul(b[2]).sum().backward();
                // The layers ran outside autograd: until backward() they have no gradient.
                Tensor q0 = recomputed.get(0, Projection.Q).a();
                assertFalse(q0.grad().defined(), "layer 0 was recorded by autograd");
                rc.backward();
            }
            List<float[]> actual = grads(recomputed);
            for (int i = 0; i < expected.size(); i++) {
                assertTrue(expected.get(i) != null && actual.get(i) != null, "parameter " + i);
                assertArrayEquals(expected.get(i), actual.get(i), 1e-5f, "parameter " + i);
            }
        }
    }

    @Test
    void shouldGiveThePlainLogProbGradientsThroughTheChunkedHeadBackward() {
        // With recomputation the LM head is differentiated chunk by chunk after the loss
        // (TokenLogProbs.DeferredHead): the same log-probs and the same gradients, the LM head's
        // own adapter included; chunks of 2 over 5 positions leave a short last chunk.
        LoraConfig withHead =
                LoraConfig.of(4, 8, List.of("q_proj", "v_proj", "down_proj", "lm_head"))
                        .withInit("false");
        try (DecoderModel m = model();
                LoraAdapter plain = LoraAdapter.create(m, withHead, 5);
                LoraAdapter recomputed = LoraAdapter.create(m, withHead, 5);
                PointerScope scope = new PointerScope()) {
            assertTrue(plain.lmHead() != null, "the LM head is adapted");
            Tensor[] b = batch(m.spec().hiddenSize());
            Tensor w = b[2].narrow(1, 0, 5).select(2, 0); // (2, 5) loss weights per position
            TokenLogProbs.Result p =
                    TokenLogProbs.compute(
                            m,
                            b[0],
                            b[1],
                            null,
                            plain,
                            true,
                            2,
                            true,
                            TokenLogProbs.Backward.PLAIN,
                            1,
                            0);
            p.logProbs().mul(w).sum().backward();
            p.finishBackward();
            TokenLogProbs.Result r =
                    TokenLogProbs.compute(
                            m,
                            b[0],
                            b[1],
                            null,
                            recomputed,
                            true,
                            2,
                            true,
                            TokenLogProbs.Backward.RECOMPUTED,
                            1,
                            0);
            assertArrayEquals(
                    Tensors.toFloats(p.logProbs()), Tensors.toFloats(r.logProbs()), 1e-6f, "lp");
            assertArrayEquals(
                    Tensors.toFloats(p.entropy()), Tensors.toFloats(r.entropy()), 1e-6f, "ent");
            r.logProbs().mul(w).sum().backward();
            r.finishBackward();
            List<float[]> expected = grads(plain);
            List<float[]> actual = grads(recomputed);
            for (int i = 0; i < expected.size(); i++) {
                assertTrue(expected.get(i) != null && actual.get(i) != null, "parameter " + i);
                assertArrayEquals(expected.get(i), actual.get(i), 1e-5f, "parameter " + i);
            }
        }
    }

    @Test
    void shouldRunTheHeadOnlyFromTheFirstLossPosition() {
        // Positions before `from` (a batch's shortest prompt) get 0 and no LM-head work; the rest
        // and every gradient of a loss on them are what the full pass gives, whatever the pass
        // keeps for backward (all, all but the LM head's chunks, only the layers' inputs).
        LoraConfig withHead =
                LoraConfig.of(4, 8, List.of("q_proj", "down_proj", "lm_head")).withInit("false");
        try (DecoderModel m = model();
                LoraAdapter full = LoraAdapter.create(m, withHead, 5);
                LoraAdapter plain = LoraAdapter.create(m, withHead, 5);
                LoraAdapter deferred = LoraAdapter.create(m, withHead, 5);
                LoraAdapter recomputed = LoraAdapter.create(m, withHead, 5);
                PointerScope scope = new PointerScope()) {
            Tensor[] b = batch(m.spec().hiddenSize());
            float[] weights = Tensors.toFloats(b[2].narrow(1, 0, 5).select(2, 0).contiguous());
            for (int row = 0; row < 2; row++) {
                weights[row * 5] = 0;
                weights[row * 5 + 1] = 0;
            }
            Tensor w = Tensors.fromFloats(weights, 2, 5);
            TokenLogProbs.Result f =
                    TokenLogProbs.compute(
                            m,
                            b[0],
                            null,
                            null,
                            full,
                            true,
                            2,
                            true,
                            TokenLogProbs.Backward.PLAIN,
                            1,
                            0);
            f.logProbs().mul(w).sum().backward();
            float[] lpFull = Tensors.toFloats(f.logProbs());
            float[] entFull = Tensors.toFloats(f.entropy());
            for (int i = 0; i < lpFull.length; i++) {
                if (i % 5 < 2) {
                    lpFull[i] = 0;
                    entFull[i] = 0;
                }
            }
            List<float[]> expected = grads(full);
            for (LoraAdapter a : List.of(plain, deferred, recomputed)) {
                TokenLogProbs.Result r =
                        TokenLogProbs.compute(
                                m,
                                b[0],
                                null,
                                null,
                                a,
                                true,
                                2,
                                true,
                                a == recomputed
                                        ? TokenLogProbs.Backward.RECOMPUTED
                                        : a == deferred
                                                ? TokenLogProbs.Backward.DEFERRED_HEAD
                                                : TokenLogProbs.Backward.PLAIN,
                                1,
                                2);
                assertArrayEquals(lpFull, Tensors.toFloats(r.logProbs()), 1e-6f, "lp");
                assertArrayEquals(entFull, Tensors.toFloats(r.entropy()), 1e-6f, "entropy");
                r.logProbs().mul(w).sum().backward();
                r.finishBackward();
                List<float[]> actual = grads(a);
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), actual.get(i), 1e-5f, "parameter " + i);
                }
            }
            assertThrows(
                    IllegalArgumentException.class,
                    () ->
                            TokenLogProbs.compute(
                                    m,
                                    b[0],
                                    null,
                                    null,
                                    plain,
                                    false,
                                    2,
                                    false,
                                    TokenLogProbs.Backward.PLAIN,
                                    1,
                                    5));
        }
    }

    @Test
    void shouldGiveRightPaddedRowsTheMaskedResultWithoutAMask() {
        // Without a mask the layers attend causally (libtorch's own masking, which allows flash
        // attention on a GPU); a right-padded row's real tokens see exactly what its mask shows.
        try (DecoderModel m = model();
                LoraAdapter a = LoraAdapter.create(m, LORA, 5);
                PointerScope scope = new PointerScope()) {
            Tensor[] b = batch(m.spec().hiddenSize());
            Tensor masked = m.hidden(b[0], b[1], null, null, a, false);
            Tensor causal = m.hidden(b[0], null, null, null, a, false);
            assertArrayEquals(
                    Tensors.toFloats(masked.narrow(0, 0, 1)),
                    Tensors.toFloats(causal.narrow(0, 0, 1)),
                    1e-6f,
                    "unpadded row");
            assertArrayEquals(
                    Tensors.toFloats(masked.narrow(0, 1, 1).narrow(1, 0, 4)),
                    Tensors.toFloats(causal.narrow(0, 1, 1).narrow(1, 0, 4)),
                    1e-6f,
                    "real tokens of the padded row");
        }
    }

    @Test
    void shouldRefuseBackwardBeforeTheLossWasBackpropagated() {
        try (DecoderModel m = model();
                LoraAdapter a = LoraAdapter.create(m, LORA, 5);
                PointerScope scope = new PointerScope()) {
            Tensor[] b = batch(m.spec().hiddenSize());
            try (DecoderModel.Recomputed rc = m.forwardRecomputed(b[0], b[1], a, 1)) {
                assertThrows(IllegalStateException.class, rc::backward);
            }
        }
    }
}
