package dev.troupe.bench.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.learner.PolicyTrainer;
import dev.troupe.learner.TrainSample;
import dev.troupe.learner.TrainerConfig;
import dev.troupe.learner.algo.GrpoAdvantages;
import dev.troupe.learner.algo.KlEstimator;
import dev.troupe.learner.algo.LossAggregation;
import dev.troupe.learner.optim.LearningRateSchedule;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.Folders;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.lora.MergedLora;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The Troupe side of the GPU benchmarks (bench/run-gpu.sh; the Python side, transformers + PEFT on
 * the same models in the same job, is bench/gpu/hf_baseline.py, and the same sizes are used here):
 *
 * <ul>
 *   <li>rollout: 64 prompts x 8 completions, 128 prompt tokens, 256 new tokens each, sampling at
 *       temperature 1 with no stop token, through {@link BatchGenerator} with a rank-16 adapter on
 *       every linear layer (what a GRPO rollout runs) and without one;
 *   <li>learner: one GRPO optimiser step ({@link PolicyTrainer}: forward and backward with the
 *       adapter, AdamW) over 16 sequences of 384 tokens, with the LM head chunked over positions
 *       and not;
 *   <li>end to end (0.5B shape): generation of 64 x 8, a stand-in reward, group advantages, one
 *       learner step over the 512 sequences in micro-batches of 16, and the adapter sync through a
 *       folder, in one process.
 * </ul>
 *
 * <pre>
 *   GpuBenchmarks bench MODELS_DIR OUT.json [--quick] [--shapes=a,b]   rollout, end to end
 *   GpuBenchmarks learner MODELS_DIR SHAPE CHUNK OUT.json [--quick]     one learner variant
 *   GpuBenchmarks probe MODELS_DIR SHAPE NEW_TOKENS [graph|eager]   one generation (launch
 *                                                  counting; eager: every kernel launched by the host)
 * </pre>
 */
public final class GpuBenchmarks {
    static final String[] SHAPES = {"qwen2.5-0.5b", "qwen2.5-1.5b"};
    static final int PROMPTS = 64;
    static final int GROUP = 8;
    static final int PROMPT_TOKENS = 128;
    static final int NEW_TOKENS = 256;
    static final int LEARN_SEQS = 16;
    static final int LEARN_LEN = 384;
    static final int LEARN_PROMPT = 128;
    static final List<String> TARGETS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    static final List<String> ROLLOUT_VARIANTS =
            List.of("lora_merged", "lora", "base", "lora_eager");

    private final ComputeDevice device;
    private final DType dtype;
    private final boolean quick;

    private GpuBenchmarks(boolean quick) {
        this.device = ComputeDevice.cudaAvailable() ? ComputeDevice.cuda(0) : ComputeDevice.CPU;
        // bf16 on the GPU; on the CPU (a smoke run of this code) fp32.
        this.dtype = device.isCuda() ? DType.BF16 : DType.F32;
        this.quick = quick;
    }

    public static void main(String[] args) throws IOException {
        if (args.length >= 3 && args[0].equals("bench")) {
            boolean quick = Arrays.asList(args).contains("--quick");
            List<String> shapes = new ArrayList<>();
            List<String> variants = new ArrayList<>();
            for (String a : args) {
                if (a.startsWith("--shapes=")) {
                    shapes.addAll(Arrays.asList(a.substring(9).split(",")));
                } else if (a.startsWith("--variants=")) {
                    variants.addAll(Arrays.asList(a.substring(11).split(",")));
                }
            }
            new GpuBenchmarks(quick)
                    .bench(
                            Path.of(args[1]),
                            Path.of(args[2]),
                            shapes.isEmpty() ? List.of(SHAPES) : shapes,
                            variants.isEmpty() ? ROLLOUT_VARIANTS : variants,
                            !Arrays.asList(args).contains("--rollout-only"));
        } else if (args.length >= 5 && args[0].equals("learner")) {
            new GpuBenchmarks(Arrays.asList(args).contains("--quick"))
                    .learner(
                            Path.of(args[1]).resolve(args[2]),
                            Integer.parseInt(args[3]),
                            Arrays.asList(args).contains("--recompute"),
                            Path.of(args[4]));
        } else if ((args.length == 4 || args.length == 5) && args[0].equals("probe")) {
            new GpuBenchmarks(false)
                    .probe(
                            Path.of(args[1]).resolve(args[2]),
                            Integer.parseInt(args[3]),
                            args.length == 5 && args[4].equals("eager"));
        } else {
            System.err.println(
                    "usage: GpuBenchmarks bench MODELS_DIR OUT.json [--quick] [--shapes=a,b]\n"
                            + "       (--variants=lora_merged,lora,base,lora_eager --rollout-only: a"
                            + " part of it)\n"
                            + "       GpuBenchmarks probe MODELS_DIR SHAPE NEW_TOKENS [graph|eager]");
            System.exit(2);
        }
    }

    private void bench(
            Path models, Path out, List<String> shapes, List<String> variants, boolean endToEnd)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode res = json.createObjectNode();
        res.put("system", "troupe");
        res.put("device", device.toString());
        res.put("java", System.getProperty("java.version"));
        for (String name : shapes) {
            ObjectNode r = res.putObject(name);
            try (DecoderModel model = ModelLoader.load(models.resolve(name), device, dtype);
                    LoraAdapter adapter = benchAdapter(model)) {
                r.set("rollout", rollout(model, adapter, variants, json));
                System.out.println(name + " rollout " + r.get("rollout"));
                if (endToEnd && name.equals(SHAPES[0])) {
                    r.set("e2e", endToEnd(model, json));
                    System.out.println(name + " e2e " + r.get("e2e"));
                }
            }
            // After each shape, so a job cut short keeps what it measured.
            Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(res));
        }
    }

    /**
     * The benchmarks' adapter: rank 16 on every linear layer, non-zero B (PEFT initialises B to 0;
     * "false" draws both), so the low-rank path changes the outputs as a trained adapter's does;
     * its cost is the same either way.
     */
    static LoraAdapter benchAdapter(DecoderModel model) {
        return LoraAdapter.create(model, LoraConfig.of(16, 32, TARGETS).withInit("false"), 3);
    }

    private ObjectNode rollout(
            DecoderModel model, LoraAdapter adapter, List<String> variants, ObjectMapper json) {
        ObjectNode r = json.createObjectNode();
        int prompts = quick ? 8 : PROMPTS;
        int newTokens = quick ? 32 : NEW_TOKENS;
        List<int[]> ps = prompts(model.spec().vocabSize(), prompts, GROUP, PROMPT_TOKENS, 7);
        r.put("sequences", ps.size());
        r.put("prompt_tokens", PROMPT_TOKENS);
        r.put("new_tokens", newTokens);
        // lora_merged: the adapter folded into the weights (troupe.rollout.adapter = auto on a
        // GPU), lora: unmerged, base: no adapter, each with decode steps replayed as a CUDA graph
        // (the default); lora_eager: unmerged, the steps launched op by op (what the graph saves).
        for (String variant : variants) {
            MergedLora merged =
                    variant.equals("lora_merged") ? MergedLora.of(model, adapter) : null;
            LoraLookup lora =
                    variant.equals("base") ? LoraLookup.NONE : merged != null ? merged : adapter;
            BatchGenerator gen =
                    new BatchGenerator(
                            model,
                            variant.equals("lora_eager")
                                    ? BatchGenerator.StepMode.GROWING
                                    : BatchGenerator.StepMode.CUDA_GRAPH);
            // Warm-up at full length: the first generation in a process ran 3x slower per step
            // (JIT, allocator, library heuristics; measured on an H100 before CUDA graphs: 152 ms
            // per step
            // first, 55 ms second), so a 4-token warm-up measured a cold run.
            gen.generate(ps, sampling(newTokens), lora);
            long t = System.nanoTime();
            List<GeneratedSequence> out = gen.generate(ps, sampling(newTokens), lora);
            device.synchronize();
            double secs = (System.nanoTime() - t) / 1e9;
            for (GeneratedSequence s : out) {
                if (s.tokens().length != newTokens) {
                    throw new IllegalStateException(
                            "a sequence has " + s.tokens().length + " tokens, not " + newTokens);
                }
            }
            ObjectNode v = r.putObject(variant);
            v.put("cuda_graph", gen.usedCudaGraph());
            if (gen.cudaGraphFailure() != null) {
                v.put("cuda_graph_failure", gen.cudaGraphFailure());
            }
            v.put("seconds", secs);
            v.put("tokens_per_s", ps.size() * (double) newTokens / secs);
            // Launch-bound decode: one short sequence, so the GPU work per step is tiny.
            List<int[]> one = prompts(model.spec().vocabSize(), 1, 1, 8, 9);
            gen.generate(one, sampling(4), lora);
            double s64 = timeGenerate(gen, one, 64, lora);
            double s8 = timeGenerate(gen, one, 8, lora);
            v.put("batch1_step_ms", (s64 - s8) / 56 * 1e3);
            if (merged != null) {
                merged.close();
            }
        }
        if (r.has("lora_merged")) {
            r.put("tokens_per_s", r.get("lora_merged").get("tokens_per_s").asDouble());
        }
        return r;
    }

    private double timeGenerate(BatchGenerator gen, List<int[]> ps, int n, LoraLookup lora) {
        device.synchronize();
        long t = System.nanoTime();
        gen.generate(ps, sampling(n), lora);
        device.synchronize();
        return (System.nanoTime() - t) / 1e9;
    }

    private static GenerationConfig sampling(int newTokens) {
        return new GenerationConfig(newTokens, 1.0, 0, 1.0, 5, Set.of(), 0);
    }

    static List<int[]> prompts(int vocab, int n, int group, int length, long seed) {
        Random rnd = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = new int[length];
            for (int j = 0; j < length; j++) {
                p[j] = rnd.nextInt(vocab);
            }
            for (int g = 0; g < group; g++) {
                out.add(p);
            }
        }
        return out;
    }

    private TrainerConfig trainerConfig(int chunk, int microBatch, boolean recompute) {
        return new TrainerConfig(
                new LearningRateSchedule(1e-5, 0, 1_000_000, 1.0),
                0.0,
                0.9,
                0.999,
                1e-8,
                1.0,
                microBatch,
                1,
                1,
                0.2,
                0.28,
                3.0,
                0.0,
                KlEstimator.parse("k3"),
                LossAggregation.TOKEN_MEAN,
                0.0,
                chunk,
                1,
                recompute,
                true);
    }

    /**
     * One GRPO learner step, timed over repetitions, in a process that does nothing else, so the
     * GPU memory it holds at the end is the step's peak reserve.
     */
    private void learner(Path folder, int chunk, boolean recompute, Path out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode v = json.createObjectNode();
        v.put("sequences", LEARN_SEQS);
        v.put("length", LEARN_LEN);
        v.put("log_prob_chunk", chunk);
        v.put("recompute_activations", recompute);
        try (DecoderModel model = ModelLoader.load(folder, device, dtype);
                LoraAdapter adapter = benchAdapter(model);
                PolicyTrainer trainer =
                        new PolicyTrainer(
                                model, adapter, trainerConfig(chunk, LEARN_SEQS, recompute))) {
            List<TrainSample> batch = learnBatch(model.spec().vocabSize(), LEARN_SEQS, 11);
            trainer.grpo(batch);
            trainer.grpo(batch);
            double[] times = new double[quick ? 2 : 10];
            for (int i = 0; i < times.length; i++) {
                device.synchronize();
                long t = System.nanoTime();
                trainer.grpo(batch);
                device.synchronize();
                times[i] = (System.nanoTime() - t) / 1e9;
            }
            Arrays.sort(times);
            v.put("seconds_per_step", times[times.length / 2]);
            v.put("process_gpu_memory_bytes", GpuMemory.processBytes());
            v.put("lora_parameters", adapter.numParameters());
        } catch (RuntimeException e) {
            v.put("error", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        System.out.println(folder.getFileName() + " learner " + v);
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(v));
    }

    private static List<TrainSample> learnBatch(int vocab, int n, long seed) {
        Random rnd = new Random(seed);
        List<TrainSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] t = new int[LEARN_LEN];
            for (int j = 0; j < t.length; j++) {
                t[j] = rnd.nextInt(vocab);
            }
            out.add(
                    new TrainSample(
                            0, i, 0, t, LEARN_PROMPT, new float[0], (float) rnd.nextGaussian()));
        }
        return out;
    }

    /** One GRPO step of the 0.5B shape with every part in this process, timed by part. */
    private ObjectNode endToEnd(DecoderModel model, ObjectMapper json) throws IOException {
        ObjectNode r = json.createObjectNode();
        int prompts = quick ? 8 : PROMPTS;
        int newTokens = quick ? 32 : NEW_TOKENS;
        List<int[]> ps = prompts(model.spec().vocabSize(), prompts, GROUP, PROMPT_TOKENS, 13);
        Path sync = Files.createTempDirectory("troupe-e2e-adapter");
        try (LoraAdapter adapter = benchAdapter(model);
                PolicyTrainer trainer =
                        new PolicyTrainer(model, adapter, trainerConfig(64, LEARN_SEQS, false))) {
            BatchGenerator gen = new BatchGenerator(model);
            try (MergedLora warm = MergedLora.of(model, adapter)) {
                gen.generate(ps, sampling(newTokens), warm); // warm-up, as in rollout()
            }
            device.synchronize();
            long t0 = System.nanoTime();
            List<GeneratedSequence> out;
            // As a rollout on a GPU generates (troupe.rollout.adapter = auto): the new version is
            // merged first, every step.
            try (MergedLora merged = MergedLora.of(model, adapter)) {
                out = gen.generate(ps, sampling(newTokens), merged);
            }
            long t1 = System.nanoTime();
            float[] rewards = new float[out.size()];
            int[] groups = new int[out.size()];
            for (int i = 0; i < out.size(); i++) {
                int even = 0;
                for (int tok : out.get(i).tokens()) {
                    even += tok % 2 == 0 ? 1 : 0;
                }
                rewards[i] = even / (float) out.get(i).tokens().length; // stand-in reward
                groups[i] = i / GROUP;
            }
            float[] adv = GrpoAdvantages.compute(rewards, groups, 1e-4, true);
            List<TrainSample> batch = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                int[] p = ps.get(i);
                int[] c = out.get(i).tokens();
                int[] all = Arrays.copyOf(p, p.length + c.length);
                System.arraycopy(c, 0, all, p.length, c.length);
                batch.add(
                        new TrainSample(
                                0,
                                i / GROUP,
                                i % GROUP,
                                all,
                                p.length,
                                out.get(i).logProbs(),
                                adv[i]));
            }
            long t2 = System.nanoTime();
            trainer.grpo(batch);
            device.synchronize();
            long t3 = System.nanoTime();
            // Folder sync (troupe.learner.adapter-sync = folder): the learner writes the new
            // version, the rollout loads it.
            adapter.save(sync.resolve("v1"), "bench");
            try (LoraAdapter loaded = LoraAdapter.load(sync.resolve("v1"), model)) {
                device.synchronize();
            }
            long t4 = System.nanoTime();
            r.put("prompts", prompts);
            r.put("group", GROUP);
            r.put("new_tokens", newTokens);
            r.put("generation_seconds", (t1 - t0) / 1e9);
            r.put("reward_seconds", (t2 - t1) / 1e9);
            r.put("learner_seconds", (t3 - t2) / 1e9);
            r.put("adapter_sync_seconds", (t4 - t3) / 1e9);
            r.put("seconds_per_step", (t4 - t0) / 1e9);
        } finally {
            Folders.deleteTree(sync);
        }
        return r;
    }

    private void probe(Path folder, int newTokens, boolean eager) {
        try (DecoderModel model = ModelLoader.load(folder, device, dtype);
                LoraAdapter adapter = benchAdapter(model)) {
            List<int[]> ps = prompts(model.spec().vocabSize(), PROMPTS, GROUP, PROMPT_TOKENS, 7);
            new BatchGenerator(
                            model,
                            eager
                                    ? BatchGenerator.StepMode.GROWING
                                    : BatchGenerator.StepMode.CUDA_GRAPH)
                    .generate(ps, sampling(newTokens), adapter);
            device.synchronize();
        }
    }
}
