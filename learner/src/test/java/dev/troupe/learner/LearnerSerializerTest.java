package dev.troupe.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.LearnerCheckpoint;
import dev.troupe.proto.v1.LearnerCheckpointDone;
import dev.troupe.proto.v1.SampleId;
import dev.troupe.proto.v1.TrainReply;
import dev.troupe.proto.v1.TrainSequence;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.proto.v1.UpdateKind;
import dev.troupe.proto.v1.WorkerReady;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LearnerSerializerTest {
    static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void everyMessageRoundTripsThroughProtobuf() {
        SerializationTestKit s = KIT.serializationTestKit();
        Object[] messages = {
            new LearnerActor.Configure(
                    ConfigureWorker.newBuilder().setRunId("r").setRunDir("/d").build(),
                    KIT.<LearnerActor.Ready>createTestProbe().getRef()),
            new LearnerActor.Ready(WorkerReady.newBuilder().setAdapterPath("/a/v0").build()),
            new LearnerActor.Train(
                    TrainStep.newBuilder()
                            .setStep(4)
                            .setKind(UpdateKind.UPDATE_KIND_GRPO)
                            .addSequences(
                                    TrainSequence.newBuilder()
                                            .setSampleId(
                                                    SampleId.newBuilder()
                                                            .setStep(4)
                                                            .setPromptIndex(2)
                                                            .setSampleIndex(7))
                                            .addTokens(1)
                                            .addTokens(2)
                                            .setPromptLength(1)
                                            .addRolloutLogProbs(-1.25f)
                                            .setAdvantage(0.5f))
                            .build(),
                    KIT.<LearnerActor.Trained>createTestProbe().getRef()),
            new LearnerActor.Train(
                    TrainStep.newBuilder()
                            .setStep(5)
                            .setKind(UpdateKind.UPDATE_KIND_SFT)
                            .addSequences(
                                    TrainSequence.newBuilder()
                                            .setSampleId(SampleId.newBuilder().setStep(5))
                                            .addAllTokens(List.of(1, 2, 3, 4, 5))
                                            .setPromptLength(1)
                                            .addAllLossMask(
                                                    List.of(false, true, false, false, true)))
                            .build(),
                    KIT.<LearnerActor.Trained>createTestProbe().getRef()),
            new LearnerActor.Trained(
                    TrainReply.newBuilder().setAdapterVersion(5).putMetrics("kl", 0.01).build()),
            new LearnerActor.Checkpoint(
                    LearnerCheckpoint.newBuilder()
                            .setDirectory("/c")
                            .setKind(UpdateKind.UPDATE_KIND_SFT)
                            .build(),
                    KIT.<LearnerActor.CheckpointDone>createTestProbe().getRef()),
            new LearnerActor.CheckpointDone(
                    LearnerCheckpointDone.newBuilder().setAdapterVersion(5).build())
        };
        for (Object m : messages) {
            assertEquals(m, s.verifySerialization(m, true));
            assertEquals(
                    LearnerSerializer.IDENTIFIER,
                    SerializationExtension.get(KIT.system().classicSystem())
                            .findSerializerFor(m)
                            .identifier());
        }
    }
}
