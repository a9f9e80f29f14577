package dev.troupe.coordinator;

import dev.troupe.coordinator.data.PromptTemplate;
import dev.troupe.model.settings.ModelSettings;
import dev.troupe.model.tiny.TinyCheckpoint;
import dev.troupe.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.Props;

/**
 * Runs one job (a GRPO run, an SFT run or an evaluation) on a Troupe node: builds the tiny model
 * when the config asks for it, starts the node (a one-node cluster unless seed nodes are given),
 * spawns the coordinator and waits for it.
 */
public final class RunJob {
    private RunJob() {}

    /**
     * What to run.
     *
     * @param mode run, sft or eval
     * @param out run directory
     * @param resume continue from the latest checkpoint in {@code out}
     * @param stopAfterSteps stop with a checkpoint after this many training steps
     * @param evalAdapter adapter to evaluate (eval mode)
     */
    public record Request(
            Coordinator.Mode mode,
            Path out,
            boolean resume,
            OptionalLong stopAfterSteps,
            Optional<Path> evalAdapter) {}

    /** The model folder of a run: the configured path, or the tiny model built into OUT/model. */
    public static Path modelDir(RunConfig config, Path out) {
        ModelSettings m = config.model();
        if (m.path().isPresent()) {
            return m.path().get().toAbsolutePath();
        }
        ModelSettings.TinyModel t = m.tiny();
        Path dir = out.resolve("model").toAbsolutePath();
        TinyCheckpoint.write(
                dir,
                new TinyCheckpoint.Spec(
                        t.hiddenSize(),
                        t.intermediateSize(),
                        t.layers(),
                        t.heads(),
                        t.kvHeads(),
                        t.maxPositions(),
                        t.initializerRange(),
                        TinyCheckpoint.Spec.DEFAULT.ropeTheta(),
                        TinyCheckpoint.Spec.DEFAULT.alphabet()),
                t.seed());
        return dir;
    }

    /** Runs the job on a node started from {@code config}, then stops the node. */
    public static Coordinator.Outcome run(RunConfig config, Request request) {
        Path modelDir = modelDir(config, request.out());
        try (TroupeNode node = TroupeNode.start(config)) {
            return run(node, config, request, modelDir);
        }
    }

    /** Runs the job with the coordinator on {@code node} (which must have the coordinator role). */
    public static Coordinator.Outcome run(
            TroupeNode node, RunConfig config, Request request, Path modelDir) {
        try (Tokenizer tokenizer = Tokenizer.load(modelDir)) {
            PromptEncoder encoder =
                    new PromptEncoder(
                            tokenizer, PromptTemplate.of(config.data().prompt()), modelDir);
            CompletableFuture<Coordinator.Outcome> result = new CompletableFuture<>();
            RunJob.Request absolute =
                    new RunJob.Request(
                            request.mode(),
                            request.out().toAbsolutePath(),
                            request.resume(),
                            request.stopAfterSteps(),
                            request.evalAdapter());
            node.system()
                    .systemActorOf(
                            Coordinator.create(
                                    config,
                                    absolute,
                                    modelDir,
                                    encoder,
                                    (ctx, rewards) ->
                                            new Workers(
                                                    node.rollouts(config.rollout().workers()),
                                                    node.learner(),
                                                    rewards,
                                                    ctx.getSystem().scheduler(),
                                                    config.run().requestTimeout()),
                                    result),
                            "coordinator",
                            Props.empty());
            try {
                return result.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        }
    }
}
