package dev.troupe.learner;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.Folders;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.settings.LoraSettings;
import dev.troupe.model.settings.ModelSettings;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.LearnerCheckpoint;
import dev.troupe.proto.v1.LearnerCheckpointDone;
import dev.troupe.proto.v1.TrainReply;
import dev.troupe.proto.v1.TrainSequence;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.proto.v1.UpdateKind;
import dev.troupe.proto.v1.WorkerReady;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.NoGrad;
import dev.troupe.transport.AdapterChannel;
import dev.troupe.transport.SenderListener;
import dev.troupe.transport.TensorSetPublisher;
import dev.troupe.transport.TransportConfig;
import dev.troupe.transport.TransportNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A learner entity: holds the frozen model and the trainable LoRA adapter, and runs the updates the
 * coordinator sends ({@link PolicyTrainer}: GRPO or SFT). After each update it writes the new
 * adapter version to {@code RUN/adapters/vN} (PEFT layout) and answers with its path, so rollouts
 * can swap to it. Sharded on nodes with the {@code learner} role; runs on {@code
 * troupe-learner-dispatcher}.
 *
 * <p>Each phase has its own optimiser (an SFT warm start, then GRPO with a fresh AdamW and its own
 * schedule), as when a user runs {@code troupe sft} and starts GRPO from its adapter.
 */
public final class LearnerActor extends AbstractBehavior<LearnerActor.Command> {

    /** Messages a learner entity handles. */
    public sealed interface Command {}

    /** Load the model of a run and make the initial adapter; answered with {@link Ready}. */
    public record Configure(ConfigureWorker request, ActorRef<Ready> replyTo)
            implements Command, LearnerSerializable {
        public Configure {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The answer to {@link Configure}: adapter version 0 and its folder, or an error. */
    public record Ready(WorkerReady reply) implements LearnerSerializable {}

    /** One update; answered with {@link Trained}. */
    public record Train(TrainStep request, ActorRef<Trained> replyTo)
            implements Command, LearnerSerializable {
        public Train {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The answer to {@link Train}: metrics and the new adapter version, or an error. */
    public record Trained(TrainReply reply) implements LearnerSerializable {}

    /** Save or load a checkpoint (adapter + optimiser); answered with {@link CheckpointDone}. */
    public record Checkpoint(LearnerCheckpoint request, ActorRef<CheckpointDone> replyTo)
            implements Command, LearnerSerializable {
        public Checkpoint {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** The answer to {@link Checkpoint}. */
    public record CheckpointDone(LearnerCheckpointDone reply) implements LearnerSerializable {}

    /** The dispatcher learner entities run on. */
    public static final String DISPATCHER = "troupe-learner-dispatcher";

    private final String entityId;
    private final TransportNode transport;
    private TensorSetPublisher publisher;
    private AdapterChannel channel;
    private String runId;
    private Path runDir;
    private String baseModel;
    private LearnerSettings settings;
    private DecoderModel model;
    private LoraAdapter adapter;
    private PolicyTrainer trainer;
    // The GRPO KL reference when it is the policy at GRPO's start (saved with checkpoints).
    private LoraAdapter reference;
    private UpdateKind phase = UpdateKind.UPDATE_KIND_UNSPECIFIED;
    private long version;

    private LearnerActor(ActorContext<Command> context, String entityId, TransportNode transport) {
        super(context);
        this.entityId = entityId;
        this.transport = transport;
    }

    /** The behaviour of learner entity {@code entityId}, with no tensor channel. */
    public static Behavior<Command> create(String entityId) {
        return create(entityId, null);
    }

    /**
     * The behaviour of learner entity {@code entityId}; with a {@code transport} and {@code
     * troupe.learner.adapter-sync = aeron}, each new adapter version is published over the tensor
     * channel instead of as a folder.
     */
    public static Behavior<Command> create(String entityId, TransportNode transport) {
        return Behaviors.setup(ctx -> new LearnerActor(ctx, entityId, transport));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(Train.class, this::onTrain)
                .onMessage(Checkpoint.class, this::onCheckpoint)
                .onSignal(PostStop.class, s -> closeAll())
                .build();
    }

    private String name() {
        return "learner-" + entityId + " at " + getContext().getSystem().address();
    }

    private Behavior<Command> onConfigure(Configure m) {
        ConfigureWorker c = m.request();
        WorkerReady.Builder reply =
                WorkerReady.newBuilder().setRunId(c.getRunId()).setWorker(name());
        if (c.getRunId().equals(runId) && model != null) {
            m.replyTo()
                    .tell(
                            new Ready(
                                    reply.setAdapterVersion(version)
                                            .setAdapterPath(location())
                                            .build()));
            return this;
        }
        try {
            closeAll();
            Config config = ConfigFactory.parseString(c.getConfigJson());
            ModelSettings modelSettings = ModelSettings.from(config);
            LoraSettings lora = LoraSettings.from(config);
            settings = LearnerSettings.from(config);
            ComputeDevice device = modelSettings.computeDevice();
            baseModel = c.getModelPath();
            model =
                    ModelLoader.load(
                            Path.of(baseModel), device, modelSettings.computeDType(device));
            adapter = LoraAdapter.create(model, lora.config(), lora.seed());
            runDir = Path.of(c.getRunDir());
            runId = c.getRunId();
            version = 0;
            phase = UpdateKind.UPDATE_KIND_UNSPECIFIED;
            if (settings.learner().adapterSync() == LearnerSettings.AdapterSync.AERON) {
                openPublisher(config);
            }
            String dir = publish();
            getContext().getLog().info("{} serves run {} ({})", name(), runId, baseModel);
            m.replyTo()
                    .tell(
                            new Ready(
                                    reply.setAdapterVersion(0)
                                            .setAdapterPath(dir.toString())
                                            .build()));
        } catch (RuntimeException e) {
            getContext().getLog().error("{} could not configure run {}", name(), c.getRunId(), e);
            closeAll();
            runId = null;
            m.replyTo().tell(new Ready(reply.setError(name() + ": " + e).build()));
        }
        return this;
    }

    private Behavior<Command> onTrain(Train m) {
        TrainStep r = m.request();
        TrainReply.Builder reply =
                TrainReply.newBuilder().setRequestId(r.getRequestId()).setStep(r.getStep());
        if (model == null) {
            m.replyTo().tell(new Trained(reply.setError(name() + " is not configured").build()));
            return this;
        }
        try {
            PolicyTrainer t = trainerFor(r.getKind());
            List<TrainSample> samples = new ArrayList<>(r.getSequencesCount());
            for (TrainSequence s : r.getSequencesList()) {
                samples.add(TrainSample.of(s));
            }
            var metrics =
                    r.getKind() == UpdateKind.UPDATE_KIND_SFT ? t.sft(samples) : t.grpo(samples);
            version++;
            long saveStart = System.nanoTime();
            String dir = publish();
            metrics.put("adapter_publish_seconds", (System.nanoTime() - saveStart) / 1e9);
            long bytes = 0;
            for (var tensor : adapter.peftTensors().values()) {
                bytes += tensor.numel() * tensor.element_size();
            }
            // What a sync to rollouts moves: the adapter's tensor bytes (the metric's name in
            // the run's metrics file).
            metrics.put("adapter_sync_bytes", (double) bytes);
            reply.setAdapterVersion(version).setAdapterPath(dir).putAllMetrics(metrics);
        } catch (RuntimeException e) {
            getContext().getLog().error("{}: step {} failed", name(), r.getStep(), e);
            reply.setAdapterVersion(version).setError(name() + ": step " + r.getStep() + ": " + e);
        }
        m.replyTo().tell(new Trained(reply.build()));
        return this;
    }

    private PolicyTrainer trainerFor(UpdateKind kind) {
        if (kind != UpdateKind.UPDATE_KIND_SFT && kind != UpdateKind.UPDATE_KIND_GRPO) {
            throw new IllegalArgumentException("unknown update kind " + kind);
        }
        if (trainer == null || phase != kind) {
            if (trainer != null) {
                trainer.close();
            }
            LoraLookup ref = LoraLookup.NONE;
            if (kind == UpdateKind.UPDATE_KIND_GRPO
                    && settings.grpo().reference() == LearnerSettings.Reference.START
                    && settings.grpo().klBeta() > 0) {
                if (reference == null) {
                    reference = frozenCopy(adapter);
                }
                ref = reference;
            }
            trainer =
                    new PolicyTrainer(
                            model,
                            adapter,
                            kind == UpdateKind.UPDATE_KIND_SFT
                                    ? settings.sftTrainer()
                                    : settings.grpoTrainer(),
                            ref);
            phase = kind;
        }
        return trainer;
    }

    /** A copy of {@code a}'s weights that training does not change: the KL reference. */
    private LoraAdapter frozenCopy(LoraAdapter a) {
        LoraAdapter copy = LoraAdapter.create(model, a.config(), 0);
        Map<String, Tensor> from = a.peftTensors();
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : copy.peftTensors().entrySet()) {
                e.getValue().copy_(from.get(e.getKey()));
            }
        }
        return copy;
    }

    private Behavior<Command> onCheckpoint(Checkpoint m) {
        LearnerCheckpoint r = m.request();
        LearnerCheckpointDone.Builder reply =
                LearnerCheckpointDone.newBuilder().setRequestId(r.getRequestId());
        if (model == null) {
            m.replyTo()
                    .tell(
                            new CheckpointDone(
                                    reply.setError(name() + " is not configured").build()));
            return this;
        }
        Path dir = Path.of(r.getDirectory());
        try {
            if (r.getSave()) {
                if (trainer != null) {
                    trainer.save(dir, baseModel);
                } else {
                    adapter.save(dir.resolve("adapter"), baseModel);
                }
                if (reference != null) {
                    reference.save(dir.resolve("reference"), baseModel);
                }
            } else {
                LoraAdapter loaded = LoraAdapter.load(dir.resolve("adapter"), model);
                if (trainer != null) {
                    trainer.close();
                    trainer = null;
                }
                adapter.close();
                adapter = loaded;
                if (reference != null) {
                    reference.close();
                    reference = null;
                }
                if (Files.isDirectory(dir.resolve("reference"))) {
                    reference = LoraAdapter.load(dir.resolve("reference"), model);
                }
                phase = UpdateKind.UPDATE_KIND_UNSPECIFIED;
                if (r.getKind() != UpdateKind.UPDATE_KIND_UNSPECIFIED
                        && Files.exists(dir.resolve("optimizer.safetensors"))) {
                    trainerFor(r.getKind()).loadOptimizer(dir);
                }
                version = r.getAdapterVersion();
                publish();
            }
            reply.setAdapterVersion(version).setAdapterPath(location());
        } catch (RuntimeException e) {
            getContext().getLog().error("{}: checkpoint {} failed", name(), dir, e);
            reply.setAdapterVersion(version)
                    .setError(
                            name()
                                    + ": cannot "
                                    + (r.getSave() ? "save" : "load")
                                    + " checkpoint "
                                    + dir
                                    + ": "
                                    + e.getMessage());
        }
        m.replyTo().tell(new CheckpointDone(reply.build()));
        return this;
    }

    private Path adapterDir(long v) {
        return runDir.resolve("adapters").resolve("v" + v);
    }

    /** Where rollouts get the current version: the channel descriptor, or its folder. */
    private String location() {
        return channel != null ? channel.toString() : adapterDir(version).toString();
    }

    private void openPublisher(Config config) {
        if (transport == null) {
            throw new IllegalStateException(
                    "troupe.learner.adapter-sync = aeron, but this node has no tensor transport"
                            + " (the node's own config must say adapter-sync = aeron too)");
        }
        TransportConfig t = transport.config();
        channel =
                new AdapterChannel(
                        t.media(),
                        t.udpHost(),
                        settings.learner().adapterSyncPort(),
                        settings.learner().adapterSyncStream());
        publisher =
                TensorSetPublisher.open(
                        transport,
                        channel.spec(),
                        "learner-" + entityId,
                        AdapterChannel.SET_NAME,
                        SenderListener.NONE);
    }

    /**
     * Makes the current adapter available to rollouts as version {@code version}: over the tensor
     * channel (the call returns once the tensors are copied into a send snapshot), or as a PEFT
     * folder (written into a temporary folder, then renamed, so a reader never sees half a version;
     * older versions beyond the ones kept are deleted). Returns {@link #location()}.
     */
    private String publish() {
        if (publisher != null) {
            publisher.publish(version, adapter.peftTensors());
            return location();
        }
        Path dir = adapterDir(version);
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        try {
            Folders.deleteTree(tmp);
            adapter.save(tmp, baseModel);
            Folders.deleteTree(dir);
            Files.move(tmp, dir);
            long oldest = version - settings.learner().keepAdapterVersions();
            try (Stream<Path> s = Files.list(dir.getParent())) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.matches("v\\d+") && Long.parseLong(n.substring(1)) <= oldest) {
                        Folders.deleteTree(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write adapter version " + version + " to " + dir, e);
        }
        return location();
    }

    private Behavior<Command> closeAll() {
        if (publisher != null) {
            publisher.close();
            publisher = null;
            channel = null;
        }
        if (trainer != null) {
            trainer.close();
            trainer = null;
        }
        if (adapter != null) {
            adapter.close();
            adapter = null;
        }
        if (reference != null) {
            reference.close();
            reference = null;
        }
        if (model != null) {
            model.close();
            model = null;
        }
        return this;
    }
}
