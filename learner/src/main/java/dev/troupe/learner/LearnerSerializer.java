package dev.troupe.learner;

import dev.troupe.proto.ProtoSerializer;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.LearnerCheckpoint;
import dev.troupe.proto.v1.LearnerCheckpointDone;
import dev.troupe.proto.v1.TrainReply;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.proto.v1.WorkerReady;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * Writes {@link LearnerActor}'s protocol as the Protobuf messages of {@code
 * troupe/v1/learner.proto} and {@code worker.proto}; the reply-to ref travels in the message's
 * {@code reply_to} field.
 */
public final class LearnerSerializer extends ProtoSerializer {

    /** Serializer id; unique among the serializers of an actor system. */
    public static final int IDENTIFIER = 7330;

    /** Called by Pekko's serialization extension. */
    public LearnerSerializer(ExtendedActorSystem system) {
        super(system);
        register(
                "CF",
                LearnerActor.Configure.class,
                m -> m.request().toBuilder().setReplyTo(refString(m.replyTo())).build(),
                b -> {
                    ConfigureWorker p = ConfigureWorker.parseFrom(b);
                    return new LearnerActor.Configure(
                            p.toBuilder().clearReplyTo().build(), ref(p.getReplyTo()));
                });
        register(
                "RD",
                LearnerActor.Ready.class,
                LearnerActor.Ready::reply,
                b -> new LearnerActor.Ready(WorkerReady.parseFrom(b)));
        register(
                "TQ",
                LearnerActor.Train.class,
                m -> m.request().toBuilder().setReplyTo(refString(m.replyTo())).build(),
                b -> {
                    TrainStep p = TrainStep.parseFrom(b);
                    return new LearnerActor.Train(
                            p.toBuilder().clearReplyTo().build(), ref(p.getReplyTo()));
                });
        register(
                "TP",
                LearnerActor.Trained.class,
                LearnerActor.Trained::reply,
                b -> new LearnerActor.Trained(TrainReply.parseFrom(b)));
        register(
                "KQ",
                LearnerActor.Checkpoint.class,
                m -> m.request().toBuilder().setReplyTo(refString(m.replyTo())).build(),
                b -> {
                    LearnerCheckpoint p = LearnerCheckpoint.parseFrom(b);
                    return new LearnerActor.Checkpoint(
                            p.toBuilder().clearReplyTo().build(), ref(p.getReplyTo()));
                });
        register(
                "KP",
                LearnerActor.CheckpointDone.class,
                LearnerActor.CheckpointDone::reply,
                b -> new LearnerActor.CheckpointDone(LearnerCheckpointDone.parseFrom(b)));
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }
}
