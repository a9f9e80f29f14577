package dev.troupe.coordinator;

import dev.troupe.coordinator.internal.SplitMix64;
import dev.troupe.learner.LearnerActor;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.GenerateRequest;
import dev.troupe.proto.v1.LearnerCheckpoint;
import dev.troupe.proto.v1.LearnerCheckpointDone;
import dev.troupe.proto.v1.RolloutPrompt;
import dev.troupe.proto.v1.SamplingParams;
import dev.troupe.proto.v1.TrainReply;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.proto.v1.UseAdapter;
import dev.troupe.proto.v1.WorkerReady;
import dev.troupe.reward.RewardActor;
import dev.troupe.reward.RewardInput;
import dev.troupe.rollout.RolloutActor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The coordinator's requests to its workers, as futures: each asks with the run's request timeout,
 * and a reply that carries an error fails the future with that error (naming the worker), so the
 * run stops with a message instead of training on a partial batch.
 *
 * <p>Rollouts: a request's prompts are cut into {@code rollouts.size()} contiguous slices, slice
 * {@code r} going to rollout entity {@code r} with seed {@code mix(seed, r)}; the completions come
 * back in prompt order. Rewards: groups go round-robin over the reward actors found.
 */
final class Workers {
    private final List<? extends RecipientRef<RolloutActor.Command>> rollouts;
    private final RecipientRef<LearnerActor.Command> learner;
    private final Supplier<List<ActorRef<RewardActor.Command>>> rewards;
    private final Scheduler scheduler;
    private final Duration timeout;
    private long requestIds;

    Workers(
            List<? extends RecipientRef<RolloutActor.Command>> rollouts,
            RecipientRef<LearnerActor.Command> learner,
            Supplier<List<ActorRef<RewardActor.Command>>> rewards,
            Scheduler scheduler,
            Duration timeout) {
        this.rollouts = List.copyOf(rollouts);
        this.learner = learner;
        this.rewards = rewards;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    private synchronized long nextId() {
        return ++requestIds;
    }

    /** Configures every rollout and the learner; the learner's reply is last. */
    CompletionStage<List<WorkerReady>> configure(ConfigureWorker request) {
        List<CompletableFuture<WorkerReady>> all = new ArrayList<>();
        for (RecipientRef<RolloutActor.Command> r : rollouts) {
            all.add(
                    AskPattern.<RolloutActor.Command, RolloutActor.Ready>ask(
                                    r,
                                    reply -> new RolloutActor.Configure(request, reply),
                                    timeout,
                                    scheduler)
                            .thenApply(m -> ok(m.reply(), m.reply().getError()))
                            .toCompletableFuture());
        }
        all.add(
                AskPattern.<LearnerActor.Command, LearnerActor.Ready>ask(
                                learner,
                                reply -> new LearnerActor.Configure(request, reply),
                                timeout,
                                scheduler)
                        .thenApply(m -> ok(m.reply(), m.reply().getError()))
                        .toCompletableFuture());
        return allOf(all);
    }

    /** {@code reply}, or a failure with the worker's error when it reports one. */
    private static <T> T ok(T reply, String error) {
        if (!error.isEmpty()) {
            throw new WorkerException(error);
        }
        return reply;
    }

    /** Generates for {@code prompts} over every rollout entity; completions in prompt order. */
    CompletionStage<Generation> generate(
            long step,
            List<RolloutPrompt> prompts,
            SamplingParams sampling,
            long seed,
            long adapterVersion) {
        int n = Math.min(rollouts.size(), Math.max(1, prompts.size()));
        List<CompletableFuture<GenerateReply>> parts = new ArrayList<>();
        long start = System.nanoTime();
        for (int r = 0; r < n; r++) {
            List<RolloutPrompt> slice =
                    prompts.subList(prompts.size() * r / n, prompts.size() * (r + 1) / n);
            GenerateRequest request =
                    GenerateRequest.newBuilder()
                            .setRequestId(nextId())
                            .setStep(step)
                            .setAdapterVersion(adapterVersion)
                            .setSampling(sampling)
                            .setSeed(SplitMix64.key(seed, r))
                            .addAllPrompts(slice)
                            .build();
            RecipientRef<RolloutActor.Command> target = rollouts.get(r);
            parts.add(
                    AskPattern.<RolloutActor.Command, RolloutActor.Generated>ask(
                                    target,
                                    reply -> new RolloutActor.Generate(request, reply),
                                    timeout,
                                    scheduler)
                            .thenApply(
                                    m -> {
                                        GenerateReply g = ok(m.reply(), m.reply().getError());
                                        if (g.getAdapterVersion() != adapterVersion) {
                                            throw new WorkerException(
                                                    "a rollout generated with adapter version "
                                                            + g.getAdapterVersion()
                                                            + " instead of "
                                                            + adapterVersion);
                                        }
                                        return g;
                                    })
                            .toCompletableFuture());
        }
        return allOf(parts)
                .thenApply(
                        replies -> {
                            List<Completion> completions = new ArrayList<>();
                            long tokens = 0;
                            for (GenerateReply g : replies) {
                                completions.addAll(g.getCompletionsList());
                                tokens += g.getGeneratedTokens();
                            }
                            return new Generation(
                                    completions, tokens, (System.nanoTime() - start) / 1e9);
                        });
    }

    /** What a generation request gave. */
    record Generation(List<Completion> completions, long tokens, double seconds) {}

    /** Scores each group with a reward actor; replies in group order. */
    CompletionStage<List<RewardActor.ScoreReply>> score(List<List<RewardInput>> groups) {
        List<ActorRef<RewardActor.Command>> actors = rewards.get();
        if (actors.isEmpty()) {
            return CompletableFuture.failedFuture(
                    new WorkerException("no reward actor is reachable"));
        }
        List<CompletableFuture<RewardActor.ScoreReply>> parts = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            ActorRef<RewardActor.Command> actor = actors.get(g % actors.size());
            List<RewardInput> group = groups.get(g);
            long id = nextId();
            parts.add(
                    AskPattern.<RewardActor.Command, RewardActor.ScoreReply>ask(
                                    actor,
                                    reply -> new RewardActor.ScoreRequest(id, group, reply),
                                    timeout,
                                    scheduler)
                            .toCompletableFuture());
        }
        return allOf(parts);
    }

    /** One learner update. */
    CompletionStage<TrainReply> train(TrainStep step) {
        TrainStep request = step.toBuilder().setRequestId(nextId()).build();
        return AskPattern.<LearnerActor.Command, LearnerActor.Trained>ask(
                        learner,
                        reply -> new LearnerActor.Train(request, reply),
                        timeout,
                        scheduler)
                .thenApply(m -> ok(m.reply(), m.reply().getError()));
    }

    /** Makes every rollout use adapter {@code version}; completes when all have swapped. */
    CompletionStage<Void> useAdapter(long version, String path) {
        List<CompletableFuture<Long>> all = new ArrayList<>();
        UseAdapter request = UseAdapter.newBuilder().setVersion(version).setPath(path).build();
        for (RecipientRef<RolloutActor.Command> r : rollouts) {
            all.add(
                    AskPattern.<RolloutActor.Command, RolloutActor.AdapterSwapped>ask(
                                    r,
                                    reply -> new RolloutActor.SwapAdapter(request, reply),
                                    timeout,
                                    scheduler)
                            .thenApply(m -> ok(m.reply(), m.reply().getError()).getVersion())
                            .toCompletableFuture());
        }
        return allOf(all).thenApply(v -> null);
    }

    /** Saves or loads the learner's checkpoint. */
    CompletionStage<LearnerCheckpointDone> checkpoint(LearnerCheckpoint request) {
        LearnerCheckpoint r = request.toBuilder().setRequestId(nextId()).build();
        return AskPattern.<LearnerActor.Command, LearnerActor.CheckpointDone>ask(
                        learner, reply -> new LearnerActor.Checkpoint(r, reply), timeout, scheduler)
                .thenApply(m -> ok(m.reply(), m.reply().getError()));
    }

    private static <T> CompletionStage<List<T>> allOf(List<CompletableFuture<T>> parts) {
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        v -> {
                            List<T> out = new ArrayList<>(parts.size());
                            for (CompletableFuture<T> f : parts) {
                                out.add(f.join());
                            }
                            return out;
                        });
    }

    /** A worker answered with an error. */
    static final class WorkerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WorkerException(String message) {
            super(message);
        }
    }
}
