package dev.troupe.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.coordinator.GrpoBatch.StepPrompt;
import dev.troupe.coordinator.data.Conversation;
import dev.troupe.coordinator.data.DataCursor;
import dev.troupe.coordinator.data.DataStream;
import dev.troupe.coordinator.data.Dataset;
import dev.troupe.coordinator.data.JsonlDataset;
import dev.troupe.coordinator.data.Problem;
import dev.troupe.coordinator.internal.SplitMix64;
import dev.troupe.coordinator.metrics.MetricNames;
import dev.troupe.coordinator.metrics.RunMetrics;
import dev.troupe.coordinator.metrics.RunSummary;
import dev.troupe.coordinator.metrics.StepMetrics;
import dev.troupe.model.Folders;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.CoordinatorState;
import dev.troupe.proto.v1.LearnerCheckpoint;
import dev.troupe.proto.v1.RolloutPrompt;
import dev.troupe.proto.v1.SamplingParams;
import dev.troupe.proto.v1.TrainReply;
import dev.troupe.proto.v1.TrainSequence;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.proto.v1.UpdateKind;
import dev.troupe.proto.v1.WorkerReady;
import dev.troupe.reward.RewardActor;
import dev.troupe.reward.RewardInput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Owns one run: turns the config and data into steps, and drives the workers through them: SFT
 * warm-start steps, a held-out evaluation, GRPO steps (generate groups, score them, compute
 * advantages, update the adapter, swap rollouts to the new version), a final evaluation; writes
 * metrics every step, checkpoints every N steps, and the summary at the end.
 *
 * <p>Each stage is a request to workers whose reply comes back to this actor (through {@code
 * pipeToSelf}); the actor's state (data cursors, step, adapter version, metrics files) changes only
 * in its message handlers, one message at a time. The step is synchronous on-policy: rollouts of
 * step {@code s} use the adapter made by step {@code s - 1}.
 *
 * <p>Determinism: prompts come from seeded data cursors, rollout seeds from (run seed, phase,
 * step), LoRA dropout from the learner's seed and update count; so a run resumed from a checkpoint
 * produces the same metrics for the following steps as one that never stopped.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    /** What the coordinator does. */
    public enum Mode {
        /** SFT warm start (if configured), eval, GRPO, eval. */
        RUN,
        /** Eval, SFT, eval. */
        SFT,
        /** Eval only. */
        EVAL
    }

    /** How a run ended. */
    public record Outcome(
            boolean finished,
            Optional<RunSummary> summary,
            Optional<EvalResult> eval,
            long stepsDone,
            String message) {}

    /** A held-out evaluation. */
    public record EvalResult(double accuracy, double formatRate, double responseLength, int n) {}

    /** Messages: all stay in the coordinator's process. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    private record RewardsListed(Receptionist.Listing listing) implements Command {}

    private record Continue(Runnable next) implements Command {}

    private record Failed(Throwable cause, String stage) implements Command {}

    private record StartupTimedOut() implements Command {}

    /** Service key under which reward actors register. */
    public static final ServiceKey<RewardActor.Command> REWARD_SERVICE =
            ServiceKey.create(RewardActor.Command.class, "troupe-reward");

    private enum Phase {
        SFT,
        EVAL_BEFORE,
        GRPO,
        EVAL_AFTER
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunConfig config;
    private final RunJob.Request options;
    private final Path modelDir;
    // Which model the checkpoints of this run belong to; read once.
    private final String modelFingerprint;
    private final WorkersFactory workersFactory;
    private final CompletableFuture<Outcome> result;
    private final PromptEncoder encoder;
    private final CheckpointStore checkpoints;
    private final String runId;
    private final long startNanos = System.nanoTime();
    private final List<Phase> phases;
    private volatile List<ActorRef<RewardActor.Command>> rewards = List.of();

    private Workers workers;
    private boolean started;
    private boolean configured;
    private boolean done;
    private int phaseIndex;
    private long step;
    private long version;
    private String adapterPath;
    private Dataset<Conversation> sftData;
    private Dataset<Problem> trainData;
    private Dataset<Problem> testData;
    private DataStream<Problem> grpoStream;
    private DataStream<Conversation> sftStream;
    private RunMetrics metrics;
    private double accuracyBefore = Double.NaN;
    private EvalResult finalEval;
    private double formatBefore = Double.NaN;
    private double priorWallSeconds;
    private long grpoStepsDone;

    /** Builds the {@link Workers} once reward actors are known. */
    @FunctionalInterface
    public interface WorkersFactory {
        Workers create(
                ActorContext<Command> context,
                java.util.function.Supplier<List<ActorRef<RewardActor.Command>>> rewards);
    }

    private Coordinator(
            ActorContext<Command> context,
            RunConfig config,
            RunJob.Request options,
            Path modelDir,
            PromptEncoder encoder,
            WorkersFactory workersFactory,
            CompletableFuture<Outcome> result) {
        super(context);
        this.modelDir = modelDir;
        this.modelFingerprint = CheckpointStore.fingerprint(modelDir);
        this.config = config;
        this.options = options;
        this.encoder = encoder;
        this.workersFactory = workersFactory;
        this.result = result;
        this.checkpoints = new CheckpointStore(options.out(), config.checkpoint().keep());
        this.runId = options.out().toAbsolutePath().normalize().toString();
        List<Phase> p = new ArrayList<>();
        switch (options.mode()) {
            case RUN -> {
                if (config.learner().sft().steps() > 0) {
                    p.add(Phase.SFT);
                }
                p.add(Phase.EVAL_BEFORE);
                p.add(Phase.GRPO);
                p.add(Phase.EVAL_AFTER);
            }
            case SFT -> {
                p.add(Phase.EVAL_BEFORE);
                p.add(Phase.SFT);
                p.add(Phase.EVAL_AFTER);
            }
            case EVAL -> p.add(Phase.EVAL_AFTER);
        }
        this.phases = List.copyOf(p);
    }

    /** The coordinator of one run; {@code result} completes when it ends (and the actor stops). */
    public static Behavior<Command> create(
            RunConfig config,
            RunJob.Request options,
            Path modelDir,
            PromptEncoder encoder,
            WorkersFactory workers,
            CompletableFuture<Outcome> result) {
        return Behaviors.setup(
                ctx -> {
                    ActorRef<Receptionist.Listing> adapter =
                            ctx.messageAdapter(Receptionist.Listing.class, RewardsListed::new);
                    ctx.getSystem()
                            .receptionist()
                            .tell(Receptionist.subscribe(REWARD_SERVICE, adapter));
                    ctx.scheduleOnce(
                            config.run().startupTimeout(), ctx.getSelf(), new StartupTimedOut());
                    return new Coordinator(
                            ctx, config, options, modelDir, encoder, workers, result);
                });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(RewardsListed.class, this::onRewards)
                .onMessage(
                        Continue.class,
                        c -> {
                            c.next().run();
                            return this;
                        })
                .onMessage(
                        Failed.class, f -> fail(f.stage() + ": " + message(f.cause()), f.cause()))
                .onMessage(
                        StartupTimedOut.class,
                        t -> {
                            if (!configured) {
                                return fail(
                                        "startup: workers not ready within "
                                                + config.run().startupTimeout()
                                                + " (are nodes with the rollout, learner and reward roles"
                                                + " up and joined?)",
                                        null);
                            }
                            return this;
                        })
                .onSignal(
                        PostStop.class,
                        s -> {
                            closeMetrics();
                            if (!result.isDone()) {
                                result.complete(
                                        new Outcome(
                                                false,
                                                Optional.empty(),
                                                Optional.empty(),
                                                step,
                                                "coordinator stopped"));
                            }
                            return this;
                        })
                .build();
    }

    /** This behaviour, or stopped once the run has ended. */
    private Behavior<Command> next() {
        return done ? Behaviors.stopped() : this;
    }

    private static String message(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    private Behavior<Command> onRewards(RewardsListed l) {
        List<ActorRef<RewardActor.Command>> list =
                new ArrayList<>(l.listing().getServiceInstances(REWARD_SERVICE));
        list.sort(Comparator.comparing(r -> r.path().toString()));
        rewards = List.copyOf(list);
        if (!started && !list.isEmpty()) {
            started = true;
            start();
        }
        return this;
    }

    /** Runs {@code next} in this actor once {@code stage} completes; a failure ends the run. */
    private <T> void after(CompletionStage<T> stage, String name, Consumer<T> next) {
        getContext()
                .pipeToSelf(
                        stage,
                        (value, error) ->
                                error != null
                                        ? new Failed(error, name)
                                        : new Continue(() -> next.accept(value)));
    }

    private void start() {
        workers = workersFactory.create(getContext(), () -> rewards);
        getContext().getLog().info("run {}: {} mode, phases {}", runId, options.mode(), phases);
        ConfigureWorker configure =
                ConfigureWorker.newBuilder()
                        .setRunId(runId)
                        .setConfigJson(config.json())
                        .setRunDir(options.out().toAbsolutePath().toString())
                        .setModelPath(modelDir.toAbsolutePath().toString())
                        .build();
        after(workers.configure(configure), "configuring workers", this::onConfigured);
    }

    private void onConfigured(List<WorkerReady> ready) {
        configured = true;
        for (WorkerReady r : ready) {
            getContext().getLog().info("ready: {}", r.getWorker());
        }
        WorkerReady learner = ready.get(ready.size() - 1);
        version = learner.getAdapterVersion();
        adapterPath = learner.getAdapterPath();
        try {
            sftData = config.data().sftConversations();
            trainData = options.mode() == Mode.RUN ? config.data().trainProblems() : null;
            testData = config.data().testProblems();
        } catch (RuntimeException e) {
            fail("data: " + e.getMessage(), e);
            return;
        }
        for (Dataset<?> d : new Dataset<?>[] {sftData, trainData, testData}) {
            if (d instanceof JsonlDataset<?> j) {
                // Bad lines were skipped and counted; say so once per file.
                if (j.skippedLines() > 0) {
                    getContext().getLog().warn("{}", j.summary());
                } else {
                    getContext().getLog().info("{}", j.summary());
                }
            }
        }
        sftStream = DataStream.start(sftData, config.data().seed(), config.data().shuffle());
        grpoStream =
                trainData == null
                        ? null
                        : DataStream.start(
                                trainData, config.data().seed(), config.data().shuffle());
        if (options.mode() == Mode.EVAL && options.evalAdapter().isPresent()) {
            LearnerCheckpoint load;
            try {
                load =
                        LearnerCheckpoint.newBuilder()
                                .setDirectory(
                                        stageEvalAdapter(options.evalAdapter().get()).toString())
                                .setSave(false)
                                .setAdapterVersion(1)
                                .build();
            } catch (RuntimeException e) {
                fail(e.getMessage(), e);
                return;
            }
            after(
                    workers.checkpoint(load),
                    "loading adapter " + options.evalAdapter().get(),
                    d -> {
                        version = d.getAdapterVersion();
                        adapterPath = d.getAdapterPath();
                        swapThen(this::runPhase);
                    });
            return;
        }
        if (options.resume()) {
            Optional<CheckpointStore.Loaded> latest;
            try {
                latest = checkpoints.latest();
            } catch (RuntimeException e) {
                fail("resume: " + e.getMessage(), e);
                return;
            }
            if (latest.isEmpty()) {
                fail("resume: no checkpoint in " + options.out().resolve("checkpoints"), null);
                return;
            }
            restore(latest.get());
            return;
        }
        swapThen(this::runPhase);
    }

    /**
     * The learner loads checkpoints as folders holding {@code adapter/}: copies a PEFT adapter
     * folder into such a folder under the run directory.
     */
    private Path stageEvalAdapter(Path adapter) {
        Path staging = options.out().resolve("eval-adapter");
        try {
            Folders.deleteTree(staging);
            Files.createDirectories(staging.resolve("adapter"));
            try (var s = Files.list(adapter)) {
                for (Path f : s.toList()) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, staging.resolve("adapter").resolve(f.getFileName()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage adapter " + adapter, e);
        }
        return staging.toAbsolutePath();
    }

    private void restore(CheckpointStore.Loaded loaded) {
        CoordinatorState s = loaded.state();
        if (!s.getModelFingerprint().equals(modelFingerprint)) {
            fail(
                    "resume: checkpoint "
                            + loaded.dir()
                            + " belongs to another model (config.json differs from "
                            + modelDir.resolve("config.json")
                            + ")",
                    null);
            return;
        }
        Phase phase = Phase.valueOf(s.getPhase().toUpperCase(java.util.Locale.ROOT));
        UpdateKind kind =
                phase == Phase.SFT ? UpdateKind.UPDATE_KIND_SFT : UpdateKind.UPDATE_KIND_GRPO;
        LearnerCheckpoint load =
                LearnerCheckpoint.newBuilder()
                        .setDirectory(loaded.dir().toAbsolutePath().toString())
                        .setSave(false)
                        .setKind(kind)
                        .setAdapterVersion(s.getAdapterVersion())
                        .build();
        after(
                workers.checkpoint(load),
                "loading checkpoint " + loaded.dir(),
                done -> {
                    version = s.getAdapterVersion();
                    adapterPath = done.getAdapterPath();
                    step = s.getStep();
                    phaseIndex = phases.indexOf(phase);
                    DataCursor cursor =
                            new DataCursor(
                                    s.getCursorSeed(), s.getCursorEpoch(), s.getCursorIndex());
                    if (phase == Phase.SFT) {
                        sftStream = new DataStream<>(sftData, cursor, config.data().shuffle());
                    } else {
                        grpoStream = new DataStream<>(trainData, cursor, config.data().shuffle());
                        grpoStepsDone = step;
                    }
                    accuracyBefore = s.getAccuracyBefore();
                    formatBefore = s.getFormatRateBefore();
                    priorWallSeconds = s.getWallSeconds();
                    getContext()
                            .getLog()
                            .info("resumed from {} ({} step {})", loaded.dir(), phase, step);
                    try {
                        metrics =
                                RunMetrics.resume(
                                        metricsDir(phase),
                                        config.metrics(),
                                        totalSteps(phase),
                                        step);
                    } catch (IOException e) {
                        fail("resume: cannot reopen metrics: " + e.getMessage(), e);
                        return;
                    }
                    swapThen(this::runPhase);
                });
    }

    private void swapThen(Runnable next) {
        after(
                workers.useAdapter(version, adapterPath),
                "swapping rollouts to adapter v" + version,
                v -> next.run());
    }

    private Path metricsDir(Phase phase) {
        return phase == Phase.SFT && options.mode() == Mode.RUN
                ? options.out().resolve("sft")
                : options.out();
    }

    private long totalSteps(Phase phase) {
        return phase == Phase.SFT
                ? config.learner().sft().steps()
                : config.learner().grpo().steps();
    }

    private void runPhase() {
        if (phaseIndex >= phases.size()) {
            finish();
            return;
        }
        Phase phase = phases.get(phaseIndex);
        switch (phase) {
            case SFT, GRPO -> trainPhase(phase);
            case EVAL_BEFORE ->
                    evaluate(
                            "before",
                            r -> {
                                accuracyBefore = 100 * r.accuracy();
                                formatBefore = r.formatRate();
                                nextPhase();
                            });
            case EVAL_AFTER ->
                    evaluate(
                            "after",
                            r -> {
                                finalEval = r;
                                nextPhase();
                            });
        }
    }

    private void nextPhase() {
        phaseIndex++;
        step = 0;
        runPhase();
    }

    private void trainPhase(Phase phase) {
        long total = totalSteps(phase);
        if (metrics == null) {
            try {
                metrics = RunMetrics.start(metricsDir(phase), config.metrics(), total);
            } catch (IOException | RuntimeException e) {
                fail("cannot start metrics in " + metricsDir(phase) + ": " + e.getMessage(), e);
                return;
            }
        }
        OptionalLong stopAfter = options.stopAfterSteps();
        boolean trainingPhase =
                (phase == Phase.GRPO && options.mode() == Mode.RUN)
                        || (phase == Phase.SFT && options.mode() == Mode.SFT);
        if (trainingPhase
                && stopAfter.isPresent()
                && step >= stopAfter.getAsLong()
                && step < total) {
            checkpoint(
                    phase,
                    () -> stop("stopped after step " + step + " as asked; resume with --resume"));
            return;
        }
        if (step >= total) {
            // The phase's end: a checkpoint, so a resume does not redo it, then the rollouts
            // take the final adapter before the evaluation that follows.
            checkpoint(
                    phase,
                    () -> {
                        closeMetrics();
                        swapThen(this::nextPhase);
                    });
            return;
        }
        long s = step + 1;
        long stepStart = System.nanoTime();
        Consumer<Map<String, Double>> done =
                values -> {
                    step = s;
                    if (phase == Phase.GRPO) {
                        grpoStepsDone = s;
                    }
                    StepMetrics.Builder b = StepMetrics.builder(s).wallTimeSeconds(wallSeconds());
                    values.forEach(b::put);
                    b.put("step_seconds", (System.nanoTime() - stepStart) / 1e9);
                    b.put("adapter_version", version);
                    try {
                        metrics.record(b.build());
                    } catch (IOException e) {
                        fail("cannot write metrics: " + e.getMessage(), e);
                        return;
                    }
                    int every = config.checkpoint().everySteps();
                    if (every > 0 && s % every == 0 && s < total) {
                        checkpoint(phase, this::runPhase);
                    } else {
                        runPhase();
                    }
                };
        if (phase == Phase.SFT) {
            sftStep(s, done);
        } else {
            grpoStep(s, done);
        }
    }

    private double wallSeconds() {
        return priorWallSeconds + (System.nanoTime() - startNanos) / 1e9;
    }

    private void sftStep(long s, Consumer<Map<String, Double>> done) {
        List<Conversation> batch = sftStream.next(config.learner().sft().batchSize());
        TrainStep.Builder t = TrainStep.newBuilder().setStep(s).setKind(UpdateKind.UPDATE_KIND_SFT);
        for (int i = 0; i < batch.size(); i++) {
            PromptEncoder.SftExample e;
            try {
                e = encoder.sft(batch.get(i));
            } catch (RuntimeException ex) {
                fail("SFT step " + s + ": " + ex.getMessage(), ex);
                return;
            }
            TrainSequence.Builder q =
                    TrainSequence.newBuilder()
                            .setSampleId(
                                    dev.troupe.proto.v1.SampleId.newBuilder()
                                            .setStep(s)
                                            .setPromptIndex(i))
                            .setPromptLength(e.promptLength());
            for (int tok : e.tokens()) {
                q.addTokens(tok);
            }
            // The mask keeps the turns between a conversation's replies out of the loss.
            for (boolean inLoss : e.lossMask()) {
                q.addLossMask(inLoss);
            }
            t.addSequences(q);
        }
        after(
                workers.train(t.build()),
                "SFT step " + s,
                reply -> {
                    version = reply.getAdapterVersion();
                    adapterPath = reply.getAdapterPath();
                    done.accept(reply.getMetricsMap());
                });
    }

    private void grpoStep(long s, Consumer<Map<String, Double>> done) {
        int g = config.rollout().groupSize();
        List<Problem> problems = grpoStream.next(config.learner().grpo().promptsPerStep());
        List<StepPrompt> prompts = new ArrayList<>();
        List<RolloutPrompt> requests = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            PromptEncoder.Encoded e = encoder.prompt(p);
            prompts.add(new StepPrompt(i, e.text(), e.tokens(), p.referenceAnswer(), p.metadata()));
            requests.add(rolloutPrompt(i, e.tokens(), g));
        }
        SamplingParams sampling =
                config.rollout().sampling(encoder.stopTokenIds(), encoder.padTokenId());
        long seed = SplitMix64.key(config.run().seed(), 2, s);
        GrpoStepRun run = new GrpoStepRun(s, prompts, g);
        CompletionStage<GrpoStepRun> pipeline =
                workers.generate(s, requests, sampling, seed, version)
                        .thenCompose(run::scoreGenerations)
                        .thenCompose(run::train)
                        .thenCompose(GrpoStepRun::sync);
        after(
                pipeline,
                "GRPO step " + s,
                r -> {
                    if (r.trained != null) {
                        version = r.trained.getAdapterVersion();
                        adapterPath = r.trained.getAdapterPath();
                    }
                    done.accept(r.metrics);
                });
    }

    /**
     * The stages of one GRPO step, run as a chain of futures off the actor: generate, check and
     * score, assemble and train, swap rollouts to the new version. Each stage only touches this
     * object, and the actor reads it after the last stage (a happens-before through pipeToSelf).
     */
    private final class GrpoStepRun {
        final long step;
        final List<StepPrompt> prompts;
        final int g;
        final Map<String, Double> metrics = new LinkedHashMap<>();
        List<Completion> completions;
        TrainReply trained;

        GrpoStepRun(long step, List<StepPrompt> prompts, int g) {
            this.step = step;
            this.prompts = prompts;
            this.g = g;
            // The learner's newest version when the batch was generated minus the version the
            // rollouts used: 0 in this synchronous loop, > 0 once generation runs ahead.
            metrics.put("policy_version_lag", 0.0);
        }

        CompletionStage<List<RewardActor.ScoreReply>> scoreGenerations(Workers.Generation gen) {
            completions = gen.completions();
            List<String> texts = new ArrayList<>(completions.size());
            long lengths = 0;
            int truncated = 0;
            for (Completion c : completions) {
                texts.add(encoder.completionText(toInts(c.getTokensList())));
                lengths += c.getTokensCount();
                truncated += c.getStopped() ? 0 : 1;
            }
            int n = Math.max(1, completions.size());
            metrics.put(
                    MetricNames.ROLLOUT_TOKENS_PER_S, gen.tokens() / Math.max(1e-9, gen.seconds()));
            metrics.put("rollout_seconds", gen.seconds());
            metrics.put(MetricNames.RESPONSE_LENGTH, (double) lengths / n);
            metrics.put("truncated_fraction", (double) truncated / n);
            List<List<RewardInput>> groups = GrpoBatch.rewardInputs(prompts, completions, texts, g);
            GrpoBatch.Checks checks =
                    GrpoBatch.check(groups, config.eval().format(), config.eval().correctness());
            metrics.put(MetricNames.ACCURACY, checks.accuracy());
            metrics.put(MetricNames.FORMAT_RATE, checks.formatRate());
            metrics.put("reference_errors", (double) checks.referenceErrors());
            long start = System.nanoTime();
            return workers.score(groups)
                    .thenApply(
                            scores -> {
                                metrics.put("reward_seconds", (System.nanoTime() - start) / 1e9);
                                return scores;
                            });
        }

        CompletionStage<GrpoStepRun> train(List<RewardActor.ScoreReply> scores) {
            GrpoBatch.Assembled a =
                    GrpoBatch.assemble(
                            step, prompts, completions, scores, g, config.learner().grpo());
            metrics.putAll(a.metrics());
            metrics.put("trained_sequences", (double) a.step().getSequencesCount());
            if (a.step().getSequencesCount() == 0) {
                // Every group was dropped: nothing to learn from, the adapter stays.
                return CompletableFuture.completedFuture(this);
            }
            return workers.train(a.step())
                    .thenApply(
                            reply -> {
                                trained = reply;
                                metrics.putAll(reply.getMetricsMap());
                                return this;
                            });
        }

        CompletionStage<GrpoStepRun> sync() {
            if (trained == null) {
                return CompletableFuture.completedFuture(this);
            }
            long start = System.nanoTime();
            return workers.useAdapter(trained.getAdapterVersion(), trained.getAdapterPath())
                    .thenApply(
                            v -> {
                                metrics.put(
                                        MetricNames.ADAPTER_SYNC_SECONDS,
                                        (System.nanoTime() - start) / 1e9);
                                return this;
                            });
        }
    }

    private static RolloutPrompt rolloutPrompt(int index, int[] tokens, int g) {
        RolloutPrompt.Builder b = RolloutPrompt.newBuilder().setPromptIndex(index).setGroupSize(g);
        for (int t : tokens) {
            b.addTokens(t);
        }
        return b.build();
    }

    private static int[] toInts(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Held-out accuracy and format rate with the adapter in use; writes eval/{label}.jsonl. */
    private void evaluate(String label, Consumer<EvalResult> next) {
        Dataset<Problem> test = testData;
        int n =
                config.eval().problems() == 0
                        ? test.size()
                        : Math.min(test.size(), config.eval().problems());
        int samples = config.eval().samples();
        List<StepPrompt> prompts = new ArrayList<>();
        List<RolloutPrompt> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Problem p = test.get(i);
            PromptEncoder.Encoded e = encoder.prompt(p);
            prompts.add(new StepPrompt(i, e.text(), e.tokens(), p.referenceAnswer(), p.metadata()));
            requests.add(rolloutPrompt(i, e.tokens(), samples));
        }
        int maxNew =
                config.eval().maxNewTokens() == 0
                        ? config.rollout().maxNewTokens()
                        : config.eval().maxNewTokens();
        SamplingParams sampling =
                SamplingParams.newBuilder()
                        .setTemperature(config.eval().temperature())
                        .setTopP(1.0)
                        .setMaxNewTokens(maxNew)
                        .addAllStopTokenIds(encoder.stopTokenIds())
                        .setPadTokenId(encoder.padTokenId())
                        .build();
        long evalStep = options.mode() == Mode.EVAL ? 0 : grpoStepsDone;
        CompletionStage<EvalResult> stage =
                workers.generate(evalStep, requests, sampling, config.eval().seed(), version)
                        .thenApply(
                                gen -> {
                                    List<Completion> cs = gen.completions();
                                    List<String> texts = new ArrayList<>();
                                    long lengths = 0;
                                    for (Completion c : cs) {
                                        texts.add(
                                                encoder.completionText(toInts(c.getTokensList())));
                                        lengths += c.getTokensCount();
                                    }
                                    List<List<RewardInput>> groups =
                                            GrpoBatch.rewardInputs(prompts, cs, texts, samples);
                                    GrpoBatch.Checks checks =
                                            GrpoBatch.check(
                                                    groups,
                                                    config.eval().format(),
                                                    config.eval().correctness());
                                    writeEvalSamples(label, prompts, texts, checks, samples);
                                    return new EvalResult(
                                            checks.accuracy(),
                                            checks.formatRate(),
                                            (double) lengths / Math.max(1, cs.size()),
                                            cs.size());
                                });
        after(
                stage,
                "evaluation " + label,
                r -> {
                    getContext()
                            .getLog()
                            .info(
                                    "held-out evaluation {}: accuracy {}%, format rate {}, {} completions",
                                    label,
                                    String.format("%.1f", 100 * r.accuracy()),
                                    String.format("%.3f", r.formatRate()),
                                    r.n());
                    next.accept(r);
                });
    }

    private void writeEvalSamples(
            String label,
            List<StepPrompt> prompts,
            List<String> texts,
            GrpoBatch.Checks checks,
            int samples) {
        Path file = options.out().resolve("eval").resolve(label + ".jsonl");
        try {
            Files.createDirectories(file.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (int i = 0; i < texts.size(); i++) {
                    StepPrompt p = prompts.get(i / samples);
                    ObjectNode o = JSON.createObjectNode();
                    o.put("prompt", p.text());
                    o.put("completion", texts.get(i));
                    o.put("reference", p.reference());
                    o.put("correct", checks.correct()[i]);
                    o.put("format", checks.formatted()[i]);
                    w.write(JSON.writeValueAsString(o));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private void checkpoint(Phase phase, Runnable next) {
        Path staging;
        try {
            staging = checkpoints.staging();
        } catch (RuntimeException e) {
            fail("checkpoint: " + e.getMessage(), e);
            return;
        }
        LearnerCheckpoint save =
                LearnerCheckpoint.newBuilder()
                        .setDirectory(staging.toAbsolutePath().toString())
                        .setSave(true)
                        .build();
        DataCursor cursor = phase == Phase.SFT ? sftStream.cursor() : grpoStream.cursor();
        CoordinatorState state =
                CoordinatorState.newBuilder()
                        .setRunId(runId)
                        .setPhase(phase.name().toLowerCase(java.util.Locale.ROOT))
                        .setStep(step)
                        .setCursorSeed(cursor.seed())
                        .setCursorEpoch(cursor.epoch())
                        .setCursorIndex(cursor.index())
                        .setRunSeed(config.run().seed())
                        .setAdapterVersion(version)
                        .setAccuracyBefore(accuracyBefore)
                        .setFormatRateBefore(formatBefore)
                        .setWallSeconds(wallSeconds())
                        .setModelFingerprint(modelFingerprint)
                        .build();
        after(
                workers.checkpoint(save),
                "checkpoint at " + phase + " step " + step,
                done -> {
                    try {
                        Path dir = checkpoints.commit(staging, state);
                        getContext().getLog().info("checkpoint {}", dir);
                    } catch (RuntimeException e) {
                        fail("checkpoint: " + e.getMessage(), e);
                        return;
                    }
                    next.run();
                });
    }

    private void finish() {
        closeMetrics();
        Optional<RunSummary> summary = Optional.empty();
        String msg;
        if (options.mode() == Mode.EVAL) {
            writeEvalJson(finalEval);
            msg =
                    String.format(
                            "held-out accuracy %.1f%%, format rate %.3f",
                            100 * finalEval.accuracy(), finalEval.formatRate());
        } else {
            RunSummary s =
                    new RunSummary(
                            clampPercent(accuracyBefore),
                            clampPercent(100 * finalEval.accuracy()),
                            finalEval.formatRate(),
                            wallSeconds(),
                            options.mode() == Mode.RUN ? grpoStepsDone : step);
            try {
                s.write(options.out().resolve(RunSummary.FILE_NAME));
            } catch (IOException e) {
                fail("cannot write summary: " + e.getMessage(), e);
                return;
            }
            summary = Optional.of(s);
            msg =
                    String.format(
                            "held-out accuracy %.1f%% -> %.1f%%, format rate %.3f -> %.3f, %.0f s",
                            s.accuracyBefore(),
                            s.accuracyAfter(),
                            formatBefore,
                            s.formatRateFinal(),
                            s.wallSeconds());
        }
        getContext().getLog().info("run finished: {}", msg);
        result.complete(
                new Outcome(true, summary, Optional.ofNullable(finalEval), grpoStepsDone, msg));
        done = true;
    }

    private static double clampPercent(double x) {
        return Double.isNaN(x) ? 0 : Math.max(0, Math.min(100, x));
    }

    private void writeEvalJson(EvalResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("accuracy", 100 * r.accuracy());
        o.put("format_rate", r.formatRate());
        o.put("response_length", r.responseLength());
        o.put("completions", r.n());
        try {
            Files.createDirectories(options.out());
            Files.writeString(
                    options.out().resolve("eval.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write eval.json", e);
        }
    }

    private void stop(String why) {
        closeMetrics();
        getContext().getLog().info("run stopped: {}", why);
        result.complete(new Outcome(false, Optional.empty(), Optional.empty(), step, why));
        done = true;
    }

    private Behavior<Command> fail(String why, Throwable cause) {
        closeMetrics();
        if (cause != null) {
            getContext().getLog().error("run failed: {}", why, cause);
        } else {
            getContext().getLog().error("run failed: {}", why);
        }
        result.completeExceptionally(new RunFailedException(why, cause));
        done = true;
        return next();
    }

    private void closeMetrics() {
        if (metrics != null) {
            try {
                metrics.close();
            } catch (IOException e) {
                getContext().getLog().warn("closing metrics: {}", e.getMessage());
            }
            metrics = null;
        }
    }

    /** A run ended on an error, named in the message. */
    public static final class RunFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public RunFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
