package dev.troupe.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.reward.RewardActor.ErrorKind;
import dev.troupe.reward.RewardActor.FunctionScore;
import dev.troupe.reward.RewardActor.Outcome;
import dev.troupe.reward.RewardActor.SampleError;
import dev.troupe.reward.RewardActor.SampleScore;
import dev.troupe.reward.RewardActor.ScoreReply;
import dev.troupe.reward.RewardActor.ScoreRequest;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
class RewardSerializerTest {

    @JUnit5TestKit public final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    private SerializerWithStringManifest serializerFor(Object message) {
        Serialization serialization =
                SerializationExtension.get(Adapter.toClassic(testKit.system()));
        Serializer serializer = serialization.findSerializerFor(message);
        assertEquals(RewardSerializer.IDENTIFIER, serializer.identifier());
        return (SerializerWithStringManifest) serializer;
    }

    private Object roundTrip(Object message) throws NotSerializableException {
        SerializerWithStringManifest serializer = serializerFor(message);
        byte[] bytes = serializer.toBinary(message);
        return serializer.fromBinary(bytes, serializer.manifest(message));
    }

    private ScoreRequest request() {
        return new ScoreRequest(
                42L,
                List.of(
                        new RewardInput(
                                "Q: Janet's ducks lay 16 eggs...",
                                "<think>16 - 3 - 4 = 9; 9 × $2</think><answer>$18</answer>",
                                "#### 18",
                                Map.of("task", "gsm8k", "split", "train"),
                                new SampleId(12, 3, 0)),
                        new RewardInput("Q: ?", "", null, Map.of(), new SampleId(12, 3, 1))),
                testKit.<ScoreReply>createTestProbe().getRef());
    }

    @Test
    void shouldRoundTripScoreRequestWithReplyToAndNullReference() throws Exception {
        ScoreRequest request = request();
        assertEquals("RQ", serializerFor(request).manifest(request));
        assertEquals(request, roundTrip(request));
    }

    @Test
    void shouldRoundTripEmptyScoreRequest() throws Exception {
        ScoreRequest empty =
                new ScoreRequest(0L, List.of(), testKit.<ScoreReply>createTestProbe().getRef());
        assertEquals(empty, roundTrip(empty));
    }

    @Test
    void shouldRoundTripScoredReply() throws Exception {
        ScoreReply reply =
                new ScoreReply(
                        42L,
                        Outcome.SCORED,
                        2,
                        List.of(
                                new SampleScore(
                                        new SampleId(12, 3, 0),
                                        List.of(
                                                new FunctionScore(
                                                        "format", 1.0, Map.of("matched", "true")),
                                                new FunctionScore("gsm8k", -0.25, Map.of())),
                                        OptionalDouble.of(0.5),
                                        List.of(
                                                new SampleError(
                                                        1, ErrorKind.THREW, "gsm8k", "boom")))));
        assertEquals("RP", serializerFor(reply).manifest(reply));
        assertEquals(reply, roundTrip(reply));
    }

    @Test
    void shouldRoundTripDroppedReplyWithEveryErrorKindAndNoTotal() throws Exception {
        ScoreReply reply =
                new ScoreReply(
                        7L,
                        Outcome.DROPPED,
                        3,
                        List.of(
                                new SampleScore(
                                        new SampleId(0, 0, 0),
                                        List.of(
                                                new FunctionScore(
                                                        "format",
                                                        0.0,
                                                        Map.of("reason", "no <think>"))),
                                        OptionalDouble.empty(),
                                        List.of(
                                                new SampleError(
                                                        1,
                                                        ErrorKind.THREW,
                                                        "f",
                                                        "java.lang.IllegalStateException: x"),
                                                new SampleError(
                                                        2,
                                                        ErrorKind.TIMED_OUT,
                                                        "f",
                                                        "no result within 300 ms"),
                                                new SampleError(
                                                        3,
                                                        ErrorKind.INVALID_SCORE,
                                                        "f",
                                                        "returned score NaN"))),
                                new SampleScore(
                                        new SampleId(0, 0, 1),
                                        List.of(),
                                        OptionalDouble.empty(),
                                        List.of(
                                                new SampleError(
                                                        1, ErrorKind.NO_WORKER, "", "all stuck"))),
                                new SampleScore(
                                        new SampleId(0, 0, 2),
                                        List.of(),
                                        OptionalDouble.of(0.0),
                                        List.of())));
        assertEquals(reply, roundTrip(reply));
    }

    @Test
    void shouldRefuseUnknownManifestAndUnspecifiedEnums() {
        SerializerWithStringManifest serializer = serializerFor(request());
        assertThrows(
                NotSerializableException.class, () -> serializer.fromBinary(new byte[0], "XX"));
        byte[] unspecifiedOutcome =
                dev.troupe.proto.v1.ScoreReply.newBuilder().setRequestId(1).build().toByteArray();
        NotSerializableException failure =
                assertThrows(
                        NotSerializableException.class,
                        () -> serializer.fromBinary(unspecifiedOutcome, "RP"));
        assertTrue(
                failure.getMessage().contains("GROUP_OUTCOME_UNSPECIFIED"), failure.getMessage());
    }
}
