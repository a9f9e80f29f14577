package dev.troupe.reward;

import dev.troupe.reward.builtin.WeightedCombination;
import dev.troupe.reward.internal.NoFreeWorkerException;
import dev.troupe.reward.internal.RewardWorkerPool;
import dev.troupe.runconfig.ConfigValues;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Scores groups of completions with the configured reward functions, so that a reward that throws,
 * hangs or returns nonsense costs a recorded error for its sample and never the run.
 *
 * <p>Protocol: a {@link ScoreRequest} holds one group (for GRPO, the G completions of one prompt);
 * the actor answers it with one {@link ScoreReply} holding, for every sample in request order, each
 * function's score and details, the weighted total, and every failed attempt as a {@link
 * SampleError} ({@link ErrorKind#THREW}, {@link ErrorKind#TIMED_OUT}, {@link
 * ErrorKind#INVALID_SCORE}, {@link ErrorKind#NO_WORKER}). A failed sample has no total: its score
 * is never a silent zero.
 *
 * <p>Group policy ({@code troupe.reward.on-error}): with {@code rescore}, the samples that failed
 * are scored again (only those: the functions are pure, so the others would score the same), up to
 * {@code max-retries} more attempts; with {@code drop-group}, or when retries run out, the reply's
 * {@link Outcome} is {@link Outcome#DROPPED} and the group must not be trained on. {@link
 * ScoreReply#attempts} says how many attempts were made.
 *
 * <p>Threads: the actor only does bookkeeping. Each sample's functions run, in config order, as one
 * task on the actor's own {@link RewardWorkerPool} ({@code troupe.reward.worker-pool}), never on a
 * Pekko dispatcher thread; the result comes back through {@code pipeToSelf}. A task that runs past
 * {@code troupe.reward.sample-timeout} (counted from when a worker picks it up) is reported as
 * {@code TIMED_OUT} naming the function that was running, its worker is interrupted, and a stuck
 * worker is replaced by a fresh thread, so a hung reward blocks neither the actor nor the other
 * samples. The pool is closed when the actor stops.
 *
 * <p>Reward actors can be many (a pool router, one per node with the {@code reward} role, ...);
 * each has its own workers and they share nothing.
 *
 * <pre>{@code
 * RewardConfig config = RewardConfig.load(ConfigFactory.load()); // fails here on a bad config
 * ActorRef<RewardActor.Command> reward = context.spawn(RewardActor.create(config), "reward");
 * reward.tell(new RewardActor.ScoreRequest(requestId, group, replyAdapter));
 * // -> ScoreReply(requestId, SCORED, 1, [SampleScore(7/3/0, [tiered_0_1_10 = 10.0], 10.0, []), ...])
 * }</pre>
 */
public final class RewardActor extends AbstractBehavior<RewardActor.Command> {

    /** Messages this actor handles. */
    public sealed interface Command {}

    /**
     * Asks for the scores of one group.
     *
     * @param requestId chosen by the sender, echoed in the reply
     * @param samples the completions to score, each with its sample id
     * @param replyTo receives the {@link ScoreReply}
     */
    public record ScoreRequest(
            long requestId, List<RewardInput> samples, ActorRef<ScoreReply> replyTo)
            implements Command, RewardSerializable {

        public ScoreRequest {
            samples = List.copyOf(samples);
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * The answer to a {@link ScoreRequest}.
     *
     * @param requestId the request's id
     * @param outcome whether every sample was scored or the group is dropped
     * @param attempts attempts made: 1 when the first one scored every sample
     * @param samples one per requested sample, in request order
     */
    public record ScoreReply(
            long requestId, Outcome outcome, int attempts, List<SampleScore> samples)
            implements RewardSerializable {

        public ScoreReply {
            Objects.requireNonNull(outcome, "outcome");
            samples = List.copyOf(samples);
        }

        /**
         * Failed attempts by kind over every sample and attempt, for metrics; a kind that did not
         * occur is absent.
         */
        public Map<ErrorKind, Integer> errorCounts() {
            Map<ErrorKind, Integer> counts = new EnumMap<>(ErrorKind.class);
            for (SampleScore sample : samples) {
                for (SampleError error : sample.errors()) {
                    counts.merge(error.kind(), 1, Integer::sum);
                }
            }
            return counts;
        }
    }

    /** What happened to a group. */
    public enum Outcome {
        /** Every sample has a total, possibly after re-scoring. */
        SCORED,
        /** Some sample still failed after the attempts the policy allows; do not train on it. */
        DROPPED
    }

    /**
     * The final state of one sample.
     *
     * @param sampleId which completion
     * @param functions scores of the functions that finished in the last attempt, in config order
     *     (all of them when the sample was scored)
     * @param total weighted total over every function; empty when the last attempt failed
     * @param errors every failed attempt, oldest first; empty when the first attempt scored
     */
    public record SampleScore(
            SampleId sampleId,
            List<FunctionScore> functions,
            OptionalDouble total,
            List<SampleError> errors) {

        public SampleScore {
            Objects.requireNonNull(sampleId, "sampleId");
            functions = List.copyOf(functions);
            Objects.requireNonNull(total, "total");
            errors = List.copyOf(errors);
        }

        /** Whether the sample has a total. */
        public boolean scored() {
            return total.isPresent();
        }
    }

    /**
     * One function's verdict on one sample.
     *
     * @param function the function's label in the config
     * @param score its score
     * @param details its details
     */
    public record FunctionScore(String function, double score, Map<String, String> details) {

        public FunctionScore {
            Objects.requireNonNull(function, "function");
            details = Map.copyOf(details);
        }
    }

    /** Why an attempt at a sample has no score. */
    public enum ErrorKind {
        /** A reward function threw. */
        THREW,
        /** The evaluation ran past {@code troupe.reward.sample-timeout}. */
        TIMED_OUT,
        /** A reward function returned null or a NaN or infinite score. */
        INVALID_SCORE,
        /** Every worker is stuck in an earlier evaluation that timed out. */
        NO_WORKER
    }

    /**
     * One failed attempt at scoring one sample.
     *
     * @param attempt 1 for the first attempt, 2 for the first re-scoring, ...
     * @param kind what went wrong
     * @param function label of the function that failed or was running; empty for {@code NO_WORKER}
     * @param message what the function threw, or what the actor saw
     */
    public record SampleError(int attempt, ErrorKind kind, String function, String message) {

        public SampleError {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(message, "message");
        }
    }

    /** The result of one sample's task, piped back from the worker pool. */
    private record SampleEvaluated(
            long groupKey,
            int index,
            int attempt,
            SampleTask task,
            Evaluation evaluation,
            Throwable failure)
            implements Command {}

    /** What a sample's task found: scores, and a total or an error. */
    private record Evaluation(
            List<FunctionScore> functions, OptionalDouble total, SampleError error) {}

    /** Longest error message kept in a reply; reward code can throw very long messages. */
    private static final int MAX_MESSAGE_CHARS = 2000;

    private final RewardConfig config;
    private final RewardWorkerPool pool;
    private final Map<Long, Group> groups = new HashMap<>();
    private long nextGroupKey;

    /** A reward actor with the functions, timeout, policy and worker pool of {@code config}. */
    public static Behavior<Command> create(RewardConfig config) {
        Objects.requireNonNull(config, "config");
        return Behaviors.setup(context -> new RewardActor(context, config));
    }

    private RewardActor(ActorContext<Command> context, RewardConfig config) {
        super(context);
        this.config = config;
        this.pool =
                new RewardWorkerPool(
                        "troupe-reward-" + context.getSelf().path().name(),
                        config.workers(),
                        config.maxStuckWorkers());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ScoreRequest.class, this::onScoreRequest)
                .onMessage(SampleEvaluated.class, this::onSampleEvaluated)
                .onSignal(PostStop.class, signal -> onStop())
                .onSignal(PreRestart.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onScoreRequest(ScoreRequest request) {
        long key = nextGroupKey++;
        Group group = new Group(request);
        groups.put(key, group);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < request.samples().size(); i++) {
            all.add(i);
        }
        startAttempt(key, group, all);
        return this;
    }

    private void startAttempt(long key, Group group, List<Integer> indices) {
        group.attempt++;
        group.pending = indices.size();
        if (indices.isEmpty()) {
            finishAttempt(key, group);
            return;
        }
        int attempt = group.attempt;
        for (int index : indices) {
            SampleTask task =
                    new SampleTask(config.functions(), group.request.samples().get(index), attempt);
            CompletableFuture<Evaluation> result = pool.submit(task, config.sampleTimeout());
            getContext()
                    .pipeToSelf(
                            result,
                            (evaluation, failure) ->
                                    new SampleEvaluated(
                                            key, index, attempt, task, evaluation, failure));
        }
    }

    private Behavior<Command> onSampleEvaluated(SampleEvaluated done) {
        Group group = groups.get(done.groupKey());
        if (group == null || done.attempt() != group.attempt) {
            return this;
        }
        Evaluation evaluation =
                done.failure() == null
                        ? done.evaluation()
                        : failed(done.task(), done.attempt(), done.failure());
        SampleState state = group.samples.get(done.index());
        state.functions = evaluation.functions();
        state.total = evaluation.total();
        if (evaluation.error() != null) {
            SampleError error = evaluation.error();
            state.errors.add(error);
            getContext()
                    .getLog()
                    .warn(
                            "Reward sample {} (request {}) attempt {}: {} in '{}': {}",
                            group.request.samples().get(done.index()).sampleId(),
                            group.request.requestId(),
                            error.attempt(),
                            error.kind(),
                            error.function(),
                            error.message());
        }
        group.pending--;
        if (group.pending == 0) {
            finishAttempt(done.groupKey(), group);
        }
        return this;
    }

    private void finishAttempt(long key, Group group) {
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < group.samples.size(); i++) {
            if (group.samples.get(i).total.isEmpty()) {
                failed.add(i);
            }
        }
        if (failed.isEmpty()) {
            reply(key, group, Outcome.SCORED);
        } else if (config.onError() == RewardConfig.OnError.RESCORE
                && group.attempt <= config.maxRetries()) {
            getContext()
                    .getLog()
                    .info(
                            "Request {}: {} of {} samples failed in attempt {}; scoring them again",
                            group.request.requestId(),
                            failed.size(),
                            group.samples.size(),
                            group.attempt);
            startAttempt(key, group, failed);
        } else {
            getContext()
                    .getLog()
                    .warn(
                            "Request {}: dropping the group, {} of {} samples failed after {}"
                                    + " attempt(s) (on-error = {})",
                            group.request.requestId(),
                            failed.size(),
                            group.samples.size(),
                            group.attempt,
                            ConfigValues.configName(config.onError()));
            reply(key, group, Outcome.DROPPED);
        }
    }

    private void reply(long key, Group group, Outcome outcome) {
        groups.remove(key);
        List<SampleScore> scores = new ArrayList<>(group.samples.size());
        for (int i = 0; i < group.samples.size(); i++) {
            SampleState state = group.samples.get(i);
            scores.add(
                    new SampleScore(
                            group.request.samples().get(i).sampleId(),
                            state.functions,
                            state.total,
                            state.errors));
        }
        group.request
                .replyTo()
                .tell(new ScoreReply(group.request.requestId(), outcome, group.attempt, scores));
    }

    private static Evaluation failed(SampleTask task, int attempt, Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
        if (cause instanceof TimeoutException) {
            return task.timedOut(cause.getMessage());
        }
        if (cause instanceof NoFreeWorkerException) {
            return new Evaluation(
                    List.of(),
                    OptionalDouble.empty(),
                    new SampleError(attempt, ErrorKind.NO_WORKER, "", cause.getMessage()));
        }
        // The task catches what reward code throws; this is the pool refusing or closing.
        return new Evaluation(
                List.of(),
                OptionalDouble.empty(),
                new SampleError(attempt, ErrorKind.NO_WORKER, "", describe(cause)));
    }

    private Behavior<Command> onStop() {
        pool.close();
        return this;
    }

    static String describe(Throwable thrown) {
        StringBuilder text = new StringBuilder(thrown.toString());
        StackTraceElement[] trace = thrown.getStackTrace();
        if (trace.length > 0) {
            text.append(" (at ").append(trace[0]).append(')');
        }
        return text.length() <= MAX_MESSAGE_CHARS
                ? text.toString()
                : text.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
    }

    /** A request in flight. */
    private static final class Group {
        final ScoreRequest request;
        final List<SampleState> samples;
        int attempt;
        int pending;

        Group(ScoreRequest request) {
            this.request = request;
            this.samples = new ArrayList<>(request.samples().size());
            for (int i = 0; i < request.samples().size(); i++) {
                samples.add(new SampleState());
            }
        }
    }

    /** What is known about one sample of a request in flight. */
    private static final class SampleState {
        List<FunctionScore> functions = List.of();
        OptionalDouble total = OptionalDouble.empty();
        final List<SampleError> errors = new ArrayList<>();
    }

    /**
     * Runs every function on one sample, on a worker thread. It records which function runs, so a
     * timeout can name it, and the scores finished so far.
     */
    private static final class SampleTask implements Callable<Evaluation> {
        private final WeightedCombination functions;
        private final RewardInput input;
        private final int attempt;
        private final List<FunctionScore> finished = new ArrayList<>(); // guarded by this
        private String running = ""; // guarded by this

        SampleTask(WeightedCombination functions, RewardInput input, int attempt) {
            this.functions = functions;
            this.input = input;
            this.attempt = attempt;
        }

        @Override
        public Evaluation call() {
            List<WeightedCombination.Term> terms = functions.terms();
            double[] scores = new double[terms.size()];
            for (int i = 0; i < scores.length; i++) {
                WeightedCombination.Term term = terms.get(i);
                synchronized (this) {
                    running = term.label();
                }
                RewardResult result;
                try {
                    result = term.function().score(input);
                } catch (Throwable thrown) {
                    // Errors too (StackOverflowError from a runaway regex, say): they are this
                    // sample's failure, not the worker's.
                    return failure(ErrorKind.THREW, term.label(), describe(thrown));
                }
                if (result == null) {
                    return failure(ErrorKind.INVALID_SCORE, term.label(), "returned null");
                }
                if (!Double.isFinite(result.score())) {
                    return failure(
                            ErrorKind.INVALID_SCORE,
                            term.label(),
                            "returned score " + result.score());
                }
                scores[i] = result.score();
                synchronized (this) {
                    finished.add(new FunctionScore(term.label(), result.score(), result.details()));
                }
            }
            synchronized (this) {
                running = "";
                return new Evaluation(
                        List.copyOf(finished), OptionalDouble.of(functions.total(scores)), null);
            }
        }

        private synchronized Evaluation failure(ErrorKind kind, String function, String message) {
            return new Evaluation(
                    List.copyOf(finished),
                    OptionalDouble.empty(),
                    new SampleError(attempt, kind, function, message));
        }

        synchronized Evaluation timedOut(String message) {
            return failure(ErrorKind.TIMED_OUT, running, message);
        }
    }
}
