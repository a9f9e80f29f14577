package dev.troupe.learner;

import com.typesafe.config.Config;
import dev.troupe.learner.algo.KlEstimator;
import dev.troupe.learner.algo.LossAggregation;
import dev.troupe.learner.optim.LearningRateSchedule;
import dev.troupe.runconfig.ConfigValues;

/**
 * The learner's settings: {@code troupe.grpo}, {@code troupe.sft} and {@code troupe.learner}, read
 * and checked together; {@code reference.conf} documents each key.
 *
 * @param grpo the GRPO phase
 * @param sft the SFT phase
 * @param learner optimiser and batching of both phases
 */
public record LearnerSettings(Grpo grpo, Sft sft, Learner learner) {

    /** {@code troupe.grpo}. */
    public record Grpo(
            int steps,
            int promptsPerStep,
            int epochs,
            int miniBatches,
            boolean scaleRewards,
            double advantageEps,
            double clipLow,
            double clipHigh,
            double dualClip,
            double klBeta,
            Reference reference,
            KlEstimator klEstimator,
            LossAggregation lossAggregation,
            double importanceCap) {}

    /** What the KL term measures against. */
    public enum Reference {
        /** The policy when GRPO starts, frozen. */
        START,
        /** The base model, adapter off. */
        BASE
    }

    /** {@code troupe.sft}. */
    public record Sft(
            int steps, int batchSize, double learningRate, int warmupSteps, double minLrRatio) {}

    /** {@code troupe.learner}. */
    public record Learner(
            double learningRate,
            int warmupSteps,
            double minLrRatio,
            double weightDecay,
            double beta1,
            double beta2,
            double adamEps,
            double maxGradNorm,
            int microBatchSize,
            int logProbChunk,
            boolean recomputeActivations,
            boolean loraAutocast,
            long seed,
            int keepAdapterVersions,
            AdapterSync adapterSync,
            int adapterSyncPort,
            int adapterSyncStream) {}

    /** How adapter versions reach rollouts. */
    public enum AdapterSync {
        /** PEFT folders in the run directory. */
        FOLDER,
        /** Tensors over the Aeron channel. */
        AERON
    }

    /** Reads and checks the three sections; fails naming the key on a bad value. */
    public static LearnerSettings from(Config root) {
        ConfigValues.rejectUnknownKeys(root, "troupe.grpo");
        ConfigValues.rejectUnknownKeys(root, "troupe.sft");
        ConfigValues.rejectUnknownKeys(root, "troupe.learner");
        String g = "troupe.grpo.";
        Grpo grpo =
                new Grpo(
                        ConfigValues.intIn(root, g + "steps", 0, Integer.MAX_VALUE),
                        ConfigValues.intIn(root, g + "prompts-per-step", 1, 1 << 20),
                        ConfigValues.intIn(root, g + "epochs", 1, 1000),
                        ConfigValues.intIn(root, g + "mini-batches", 1, 1 << 20),
                        root.getBoolean(g + "scale-rewards"),
                        ConfigValues.doubleIn(root, g + "advantage-eps", 0, 1),
                        ConfigValues.doubleIn(root, g + "clip-low", 0, 0.999),
                        ConfigValues.doubleIn(root, g + "clip-high", 0, 1e6),
                        ConfigValues.doubleIn(root, g + "dual-clip", 1.000001, 1e300),
                        ConfigValues.doubleIn(root, g + "kl-beta", 0, 1e6),
                        ConfigValues.choice(root, g + "reference", Reference.class),
                        parse(root, g + "kl-estimator", KlEstimator::parse),
                        parse(root, g + "loss-aggregation", LossAggregation::parse),
                        ConfigValues.doubleIn(root, g + "importance-cap", 0, 1e6));
        String s = "troupe.sft.";
        Sft sft =
                new Sft(
                        ConfigValues.intIn(root, s + "steps", 0, Integer.MAX_VALUE),
                        ConfigValues.intIn(root, s + "batch-size", 1, 1 << 20),
                        ConfigValues.doubleIn(root, s + "learning-rate", 1e-12, 10),
                        ConfigValues.intIn(root, s + "warmup-steps", 0, Integer.MAX_VALUE),
                        ConfigValues.doubleIn(root, s + "min-lr-ratio", 0, 1));
        String l = "troupe.learner.";
        Learner learner =
                new Learner(
                        ConfigValues.doubleIn(root, l + "learning-rate", 1e-12, 10),
                        ConfigValues.intIn(root, l + "warmup-steps", 0, Integer.MAX_VALUE),
                        ConfigValues.doubleIn(root, l + "min-lr-ratio", 0, 1),
                        ConfigValues.doubleIn(root, l + "weight-decay", 0, 10),
                        ConfigValues.doubleIn(root, l + "beta1", 0, 0.999999),
                        ConfigValues.doubleIn(root, l + "beta2", 0, 0.999999999),
                        ConfigValues.doubleIn(root, l + "adam-eps", 1e-30, 1),
                        ConfigValues.doubleIn(root, l + "max-grad-norm", 0, 1e12),
                        ConfigValues.intIn(root, l + "micro-batch-size", 1, 1 << 20),
                        ConfigValues.intIn(root, l + "log-prob-chunk", 1, 1 << 24),
                        root.getBoolean(l + "recompute-activations"),
                        root.getBoolean(l + "lora-autocast"),
                        root.getLong(l + "seed"),
                        ConfigValues.intIn(root, l + "keep-adapter-versions", 1, 1 << 20),
                        ConfigValues.choice(root, l + "adapter-sync", AdapterSync.class),
                        ConfigValues.intIn(root, l + "adapter-sync-port", 1, 65534),
                        ConfigValues.intIn(
                                root, l + "adapter-sync-stream", 1, Integer.MAX_VALUE - 1));
        return new LearnerSettings(grpo, sft, learner);
    }

    private static <T> T parse(
            Config root, String path, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(root.getString(path));
        } catch (IllegalArgumentException e) {
            throw ConfigValues.badValue(root, path, e.getMessage());
        }
    }

    /** Trainer settings of the GRPO phase; the schedule spans every optimiser step of it. */
    public TrainerConfig grpoTrainer() {
        int total = Math.max(1, grpo.steps() * grpo.epochs() * grpo.miniBatches());
        return trainer(
                new LearningRateSchedule(
                        learner.learningRate(),
                        Math.min(learner.warmupSteps(), total),
                        total,
                        learner.minLrRatio()),
                grpo.epochs(),
                grpo.miniBatches(),
                grpo.lossAggregation());
    }

    /** Trainer settings of the SFT phase: one optimiser step per batch, token-mean loss. */
    public TrainerConfig sftTrainer() {
        int total = Math.max(1, sft.steps());
        return trainer(
                new LearningRateSchedule(
                        sft.learningRate(),
                        Math.min(sft.warmupSteps(), total),
                        total,
                        sft.minLrRatio()),
                1,
                1,
                LossAggregation.TOKEN_MEAN);
    }

    private TrainerConfig trainer(
            LearningRateSchedule schedule,
            int epochs,
            int miniBatches,
            LossAggregation aggregation) {
        return new TrainerConfig(
                schedule,
                learner.weightDecay(),
                learner.beta1(),
                learner.beta2(),
                learner.adamEps(),
                learner.maxGradNorm(),
                learner.microBatchSize(),
                miniBatches,
                epochs,
                grpo.clipLow(),
                grpo.clipHigh(),
                grpo.dualClip(),
                grpo.klBeta(),
                grpo.klEstimator(),
                aggregation,
                grpo.importanceCap(),
                learner.logProbChunk(),
                learner.seed(),
                learner.recomputeActivations(),
                learner.loraAutocast());
    }
}
