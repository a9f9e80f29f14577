package dev.troupe.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.proto.v1.AdapterInUse;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.GenerateRequest;
import dev.troupe.proto.v1.RolloutPrompt;
import dev.troupe.proto.v1.SampleId;
import dev.troupe.proto.v1.UseAdapter;
import dev.troupe.proto.v1.WorkerReady;
import java.io.NotSerializableException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RolloutSerializerTest {
    static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void everyMessageRoundTripsThroughProtobuf() {
        SerializationTestKit s = KIT.serializationTestKit();
        TestProbe<RolloutActor.Ready> ready = KIT.createTestProbe();
        TestProbe<RolloutActor.Generated> generated = KIT.createTestProbe();
        TestProbe<RolloutActor.AdapterSwapped> swapped = KIT.createTestProbe();
        Object[] messages = {
            new RolloutActor.Configure(
                    ConfigureWorker.newBuilder()
                            .setRunId("r")
                            .setConfigJson("{\"a\":1}")
                            .setModelPath("/m")
                            .build(),
                    ready.getRef()),
            new RolloutActor.Ready(WorkerReady.newBuilder().setWorker("w").setError("e").build()),
            new RolloutActor.Generate(
                    GenerateRequest.newBuilder()
                            .setRequestId(4)
                            .setSeed(-1)
                            .addPrompts(RolloutPrompt.newBuilder().addTokens(3).setGroupSize(2))
                            .build(),
                    generated.getRef()),
            new RolloutActor.Generated(
                    GenerateReply.newBuilder()
                            .addCompletions(
                                    Completion.newBuilder()
                                            .setSampleId(
                                                    SampleId.newBuilder()
                                                            .setStep(2)
                                                            .setSampleIndex(1))
                                            .addTokens(8)
                                            .addLogProbs(-0.5f))
                            .build()),
            new RolloutActor.SwapAdapter(
                    UseAdapter.newBuilder().setVersion(3).setPath("/a").build(), swapped.getRef()),
            new RolloutActor.AdapterSwapped(AdapterInUse.newBuilder().setVersion(3).build())
        };
        Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
        for (Object m : messages) {
            assertEquals(m, s.verifySerialization(m, true));
            assertEquals(
                    RolloutSerializer.IDENTIFIER,
                    serialization.findSerializerFor(m).identifier(),
                    m.getClass() + " must use the rollout serializer");
        }
    }

    @Test
    void malformedBytesNameTheMessage() throws Exception {
        RolloutSerializer s =
                (RolloutSerializer)
                        SerializationExtension.get(KIT.system().classicSystem())
                                .serializerFor(RolloutActor.Generated.class);
        NotSerializableException e =
                assertThrows(
                        NotSerializableException.class,
                        () -> s.fromBinary(new byte[] {(byte) 0xff, 1, 2}, "GP"));
        assertTrue(e.getMessage().contains("Generated"), e.getMessage());
        assertThrows(NotSerializableException.class, () -> s.fromBinary(new byte[0], "ZZ"));
        assertEquals(
                "GP",
                Serializers.manifestFor(
                        s, new RolloutActor.Generated(GenerateReply.getDefaultInstance())));
    }
}
