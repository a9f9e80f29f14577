package dev.troupe.learner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.learner.internal.PaddedBatch;
import dev.troupe.proto.v1.SampleId;
import dev.troupe.proto.v1.TrainSequence;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.Tensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainSampleTest {

    static final int[] TOKENS = {5, 6, 7, 8, 9, 10, 11};
    static final boolean[] TWO_REPLIES = {false, false, true, true, false, true, true};

    static TrainSequence.Builder sequence(int promptLength) {
        TrainSequence.Builder b =
                TrainSequence.newBuilder()
                        .setSampleId(SampleId.newBuilder().setStep(3).setPromptIndex(1))
                        .setPromptLength(promptLength);
        for (int t : TOKENS) {
            b.addTokens(t);
        }
        return b;
    }

    @Test
    void shouldKeepTheLossMaskThroughProtobuf() throws InvalidProtocolBufferException {
        TrainSequence.Builder b = sequence(2);
        for (boolean m : TWO_REPLIES) {
            b.addLossMask(m);
        }
        TrainSequence wire = TrainSequence.parseFrom(b.build().toByteArray());
        TrainSample s = TrainSample.of(wire);
        assertArrayEquals(TWO_REPLIES, s.lossMask());
        assertEquals(2, s.promptLength());
        assertEquals(4, s.lossTokens());
        assertEquals(5, s.completionLength());
    }

    @Test
    void shouldPutEveryCompletionTokenInTheLossWithoutAMask() {
        // GRPO sends no mask: the prompt length alone says where the loss starts, as before.
        TrainSample s = TrainSample.of(sequence(3).build());
        assertArrayEquals(
                new boolean[] {false, false, false, true, true, true, true}, s.lossMask());
        assertEquals(4, s.lossTokens());
        TrainSample grpo = new TrainSample(1, 0, 0, TOKENS, 3, new float[4], 0.5f);
        assertArrayEquals(s.lossMask(), grpo.lossMask());
    }

    @Test
    void shouldScoreOnlyThePositionsThatPredictLossTokens() {
        TrainSample s = new TrainSample(3, 1, 0, TOKENS, 2, TWO_REPLIES, new float[0], 0f);
        try (PaddedBatch batch = PaddedBatch.of(List.of(s), ComputeDevice.CPU)) {
            // Position j predicts token j + 1.
            assertArrayEquals(
                    new float[] {0, 1, 1, 0, 1, 1}, Tensors.toFloats(batch.completionMask()), 0f);
            assertEquals(4, batch.completionTokens());
        }
    }

    @Test
    void shouldRejectABadMaskNamingTheSample() {
        IllegalArgumentException shortMask =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                TrainSample.of(
                                        sequence(2).addLossMask(false).addLossMask(true).build()));
        assertEquals("sample 3/1/0: loss mask has 2 entries for 7 tokens", shortMask.getMessage());
        IllegalArgumentException inPrompt =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new TrainSample(
                                        3,
                                        1,
                                        0,
                                        TOKENS,
                                        3,
                                        new boolean[] {false, true, false, true, true, true, true},
                                        new float[0],
                                        0f));
        assertTrue(
                inPrompt.getMessage()
                        .startsWith("sample 3/1/0: token 1 is in the loss but lies in the prompt"),
                inPrompt.getMessage());
        IllegalArgumentException noLoss =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new TrainSample(
                                        3,
                                        1,
                                        0,
                                        TOKENS,
                                        2,
                                        new boolean[TOKENS.length],
                                        new float[0],
                                        0f));
        assertTrue(
                noLoss.getMessage()
                        .startsWith("sample 3/1/0: the completion's first token (2) is not in"),
                noLoss.getMessage());
    }
}
