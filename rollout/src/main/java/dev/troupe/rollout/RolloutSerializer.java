package dev.troupe.rollout;

import dev.troupe.proto.ProtoSerializer;
import dev.troupe.proto.v1.AdapterInUse;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.GenerateRequest;
import dev.troupe.proto.v1.UseAdapter;
import dev.troupe.proto.v1.WorkerReady;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * Writes {@link RolloutActor}'s protocol as the Protobuf messages of {@code
 * troupe/v1/rollout.proto} and {@code worker.proto}; the reply-to ref travels in the message's
 * {@code reply_to} field.
 */
public final class RolloutSerializer extends ProtoSerializer {

    /** Serializer id; unique among the serializers of an actor system. */
    public static final int IDENTIFIER = 7320;

    /** Called by Pekko's serialization extension. */
    public RolloutSerializer(ExtendedActorSystem system) {
        super(system);
        register(
                "CF",
                RolloutActor.Configure.class,
                m -> m.request().toBuilder().setReplyTo(refString(m.replyTo())).build(),
                b -> {
                    ConfigureWorker p = ConfigureWorker.parseFrom(b);
                    return new RolloutActor.Configure(
                            p.toBuilder().clearReplyTo().build(), ref(p.getReplyTo()));
                });
        register(
                "RD",
                RolloutActor.Ready.class,
                RolloutActor.Ready::reply,
                b -> new RolloutActor.Ready(WorkerReady.parseFrom(b)));
        register(
                "GQ",
                RolloutActor.Generate.class,
                m -> m.request().toBuilder().setReplyTo(refString(m.replyTo())).build(),
                b -> {
                    GenerateRequest p = GenerateRequest.parseFrom(b);
                    return new RolloutActor.Generate(
                            p.toBuilder().clearReplyTo().build(), ref(p.getReplyTo()));
                });
        register(
                "GP",
                RolloutActor.Generated.class,
                RolloutActor.Generated::reply,
                b -> new RolloutActor.Generated(GenerateReply.parseFrom(b)));
        register(
                "UA",
                RolloutActor.SwapAdapter.class,
                m -> m.request().toBuilder().setReplyTo(refString(m.replyTo())).build(),
                b -> {
                    UseAdapter p = UseAdapter.parseFrom(b);
                    return new RolloutActor.SwapAdapter(
                            p.toBuilder().clearReplyTo().build(), ref(p.getReplyTo()));
                });
        register(
                "AU",
                RolloutActor.AdapterSwapped.class,
                RolloutActor.AdapterSwapped::reply,
                b -> new RolloutActor.AdapterSwapped(AdapterInUse.parseFrom(b)));
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }
}
