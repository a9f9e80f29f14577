package dev.troupe.rollout;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.settings.LoraSettings;
import dev.troupe.model.settings.ModelSettings;
import dev.troupe.proto.v1.AdapterInUse;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.GenerateRequest;
import dev.troupe.proto.v1.WorkerReady;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.transport.AdapterChannel;
import dev.troupe.transport.TensorLayout;
import dev.troupe.transport.TensorSetLease;
import dev.troupe.transport.TensorSetSubscriber;
import dev.troupe.transport.TransportNode;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A rollout entity: holds the frozen model and the adapter version in use, and generates groups of
 * completions with their behaviour log-probs ({@link RolloutEngine}). Sharded: the coordinator
 * addresses rollout entities by id, Cluster Sharding places them on nodes with the {@code rollout}
 * role. It runs on {@code troupe-rollout-dispatcher}, so generation blocks no Pekko thread.
 *
 * <p>Protocol: {@link Configure} first (loads the model named in the run's config); then {@link
 * SwapAdapter} and {@link Generate} in any order, handled one at a time, so an adapter is only
 * swapped between generation batches. Every failure is answered with an error naming the request,
 * never dropped.
 */
public final class RolloutActor extends AbstractBehavior<RolloutActor.Command> {

    /** Messages a rollout entity handles. */
    public sealed interface Command {}

    /** Load the model of a run; answered with {@link Ready}. */
    public record Configure(ConfigureWorker request, ActorRef<Ready> replyTo)
            implements Command, RolloutSerializable {
        public Configure {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The answer to {@link Configure}. */
    public record Ready(WorkerReady reply) implements RolloutSerializable {}

    /**
     * Generate groups with the adapter version the request names; answered with {@link Generated}.
     */
    public record Generate(GenerateRequest request, ActorRef<Generated> replyTo)
            implements Command, RolloutSerializable {
        public Generate {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The answer to {@link Generate}: completions, or an error. */
    public record Generated(GenerateReply reply) implements RolloutSerializable {}

    /** Use an adapter version from now on; answered with {@link AdapterSwapped}. */
    public record SwapAdapter(
            dev.troupe.proto.v1.UseAdapter request, ActorRef<AdapterSwapped> replyTo)
            implements Command, RolloutSerializable {
        public SwapAdapter {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The answer to {@link SwapAdapter}: the version now in use, or an error. */
    public record AdapterSwapped(AdapterInUse reply) implements RolloutSerializable {}

    /** A version the tensor channel was waited for has arrived (or the wait failed). */
    private record VersionArrived(SwapAdapter request, Throwable error)
            implements Command, NoSerializationVerificationNeeded {}

    /** The dispatcher rollout entities run on. */
    public static final String DISPATCHER = "troupe-rollout-dispatcher";

    private final String entityId;
    private final TransportNode transport;
    private String runId;
    private RolloutEngine engine;
    private LoraSettings lora;
    private TensorSetSubscriber subscriber;
    private String subscribedChannel;

    private RolloutActor(ActorContext<Command> context, String entityId, TransportNode transport) {
        super(context);
        this.entityId = entityId;
        this.transport = transport;
    }

    /** The behaviour of rollout entity {@code entityId}, with no tensor channel. */
    public static Behavior<Command> create(String entityId) {
        return create(entityId, null);
    }

    /**
     * The behaviour of rollout entity {@code entityId}; with a {@code transport}, adapter versions
     * can arrive over the tensor channel the learner publishes on.
     */
    public static Behavior<Command> create(String entityId, TransportNode transport) {
        return Behaviors.setup(ctx -> new RolloutActor(ctx, entityId, transport));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(Generate.class, this::onGenerate)
                .onMessage(SwapAdapter.class, this::onSwap)
                .onMessage(VersionArrived.class, this::onVersionArrived)
                .onSignal(PostStop.class, s -> closeEngine())
                .build();
    }

    private String name() {
        return "rollout-" + entityId + " at " + getContext().getSystem().address();
    }

    private Behavior<Command> onConfigure(Configure m) {
        ConfigureWorker c = m.request();
        WorkerReady.Builder reply =
                WorkerReady.newBuilder().setRunId(c.getRunId()).setWorker(name());
        if (c.getRunId().equals(runId) && engine != null) {
            m.replyTo().tell(new Ready(reply.setAdapterVersion(engine.adapterVersion()).build()));
            return this;
        }
        try {
            closeEngine();
            Config config = ConfigFactory.parseString(c.getConfigJson());
            ModelSettings model = ModelSettings.from(config);
            RolloutSettings settings = RolloutSettings.from(config);
            lora = LoraSettings.from(config);
            ComputeDevice device = model.computeDevice();
            DecoderModel loaded =
                    ModelLoader.load(Path.of(c.getModelPath()), device, model.computeDType(device));
            engine =
                    new RolloutEngine(
                            loaded,
                            settings.maxBatchSequences(),
                            settings.mergeAdapter(device.isCuda()));
            runId = c.getRunId();
            getContext().getLog().info("{} serves run {} ({})", name(), runId, c.getModelPath());
            m.replyTo().tell(new Ready(reply.setAdapterVersion(-1).build()));
        } catch (RuntimeException e) {
            getContext().getLog().error("{} could not configure run {}", name(), c.getRunId(), e);
            m.replyTo().tell(new Ready(reply.setError(name() + ": " + e).build()));
        }
        return this;
    }

    private Behavior<Command> onGenerate(Generate m) {
        GenerateRequest r = m.request();
        if (engine == null) {
            m.replyTo()
                    .tell(
                            new Generated(
                                    GenerateReply.newBuilder()
                                            .setRequestId(r.getRequestId())
                                            .setError(name() + " is not configured for a run")
                                            .build()));
            return this;
        }
        GenerateReply reply;
        try {
            reply = engine.generate(r);
        } catch (RuntimeException e) {
            getContext().getLog().error("{}: request {} failed", name(), r.getRequestId(), e);
            reply =
                    GenerateReply.newBuilder()
                            .setRequestId(r.getRequestId())
                            .setAdapterVersion(engine.adapterVersion())
                            .setError(name() + ": " + e.getMessage())
                            .build();
        }
        m.replyTo().tell(new Generated(reply));
        return this;
    }

    private Behavior<Command> onSwap(SwapAdapter m) {
        if (engine != null && AdapterChannel.isChannel(m.request().getPath())) {
            return swapFromChannel(m);
        }
        AdapterInUse.Builder reply = AdapterInUse.newBuilder();
        if (engine == null) {
            reply.setVersion(-1).setError(name() + " is not configured for a run");
        } else {
            try {
                engine.useAdapter(m.request().getVersion(), Path.of(m.request().getPath()));
                reply.setVersion(engine.adapterVersion());
            } catch (RuntimeException e) {
                getContext().getLog().error("{}: adapter swap failed", name(), e);
                reply.setVersion(engine.adapterVersion()).setError(swapError(m, e));
            }
        }
        m.replyTo().tell(new AdapterSwapped(reply.build()));
        return this;
    }

    private String swapError(SwapAdapter m, Throwable e) {
        return name()
                + ": cannot use adapter version "
                + m.request().getVersion()
                + " from "
                + m.request().getPath()
                + ": "
                + e.getMessage();
    }

    /**
     * The adapter comes over the tensor channel: wait (without blocking) until the subscriber holds
     * the version, then copy it in under a lease.
     */
    private Behavior<Command> swapFromChannel(SwapAdapter m) {
        try {
            if (transport == null) {
                throw new IllegalStateException(
                        "this node has no tensor transport (troupe.learner.adapter-sync = aeron"
                                + " in the node's config starts it)");
            }
            String channel = m.request().getPath();
            if (subscriber == null || !channel.equals(subscribedChannel)) {
                closeSubscriber();
                AdapterChannel c = AdapterChannel.parse(channel);
                try (LoraAdapter shape = structure()) {
                    subscriber =
                            TensorSetSubscriber.open(
                                    transport,
                                    c.spec(),
                                    // Stable per entity, so a restarted rollout is the
                                    // same subscriber to the learner.
                                    "rollout-" + entityId,
                                    AdapterChannel.SET_NAME,
                                    TensorLayout.of(shape.peftTensors()),
                                    engine.model().device());
                }
                subscribedChannel = channel;
            }
        } catch (RuntimeException e) {
            getContext().getLog().error("{}: cannot subscribe to adapters", name(), e);
            m.replyTo()
                    .tell(
                            new AdapterSwapped(
                                    AdapterInUse.newBuilder()
                                            .setVersion(engine.adapterVersion())
                                            .setError(swapError(m, e))
                                            .build()));
            return this;
        }
        getContext()
                .pipeToSelf(
                        subscriber.whenVersion(m.request().getVersion()),
                        (v, error) -> new VersionArrived(m, error));
        return this;
    }

    private LoraAdapter structure() {
        return LoraAdapter.create(engine.model(), lora.config(), lora.seed());
    }

    private Behavior<Command> onVersionArrived(VersionArrived a) {
        SwapAdapter m = a.request();
        long version = m.request().getVersion();
        AdapterInUse.Builder reply = AdapterInUse.newBuilder();
        if (engine == null || subscriber == null) {
            reply.setVersion(-1).setError(name() + " lost its run before the adapter arrived");
        } else if (a.error() != null) {
            reply.setVersion(engine.adapterVersion()).setError(swapError(m, a.error()));
        } else {
            Optional<TensorSetLease> lease = subscriber.acquire();
            try {
                if (lease.isEmpty() || lease.get().version() != version) {
                    throw new IllegalStateException(
                            "the channel holds version "
                                    + lease.map(TensorSetLease::version).orElse(-1L)
                                    + ", not the one asked for");
                }
                engine.useAdapterTensors(version, lease.get().tensors(), this::structure);
                reply.setVersion(engine.adapterVersion());
            } catch (RuntimeException e) {
                getContext().getLog().error("{}: adapter swap failed", name(), e);
                reply.setVersion(engine.adapterVersion()).setError(swapError(m, e));
            } finally {
                lease.ifPresent(TensorSetLease::close);
            }
        }
        m.replyTo().tell(new AdapterSwapped(reply.build()));
        return this;
    }

    private void closeSubscriber() {
        if (subscriber != null) {
            subscriber.close();
            subscriber = null;
            subscribedChannel = null;
        }
    }

    private Behavior<Command> closeEngine() {
        closeSubscriber();
        if (engine != null) {
            engine.close();
            engine = null;
        }
        return this;
    }
}
