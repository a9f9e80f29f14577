package dev.troupe.bench.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Version;

/**
 * Runs {@link PrefillBenchmark} and {@link DecodeBenchmark} in one JMH run, prints tokens/s per
 * shape and adapter with the adapter's ratio against the base model, and writes the same figures
 * with the machine, thread counts and model shape to a JSON file.
 *
 * <p>Usage: {@code ModelCpuBenchmarks [--quick] [results.json]} (default {@code
 * bench/results/model-cpu.json}). {@code --quick} runs one short iteration per benchmark, to check
 * that everything runs; its figures are not a baseline.
 */
public final class ModelCpuBenchmarks {
    private ModelCpuBenchmarks() {}

    /** Above this share of CPU time used by other processes, the run is flagged as contended. */
    static final double MAX_OTHER_CPU_SHARE = 0.05;

    static final Path DEFAULT_RESULTS_FILE = Path.of("bench", "results", "model-cpu.json");

    public static void main(String[] args) throws RunnerException, IOException {
        boolean quick = false;
        Path resultsFile = DEFAULT_RESULTS_FILE;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else if (arg.startsWith("-")) {
                throw new IllegalArgumentException(
                        "unknown option '" + arg + "' (valid: --quick, a results file path)");
            } else {
                resultsFile = Path.of(arg);
            }
        }

        ChainedOptionsBuilder options =
                new OptionsBuilder()
                        .include(includePattern(PrefillBenchmark.class))
                        .include(includePattern(DecodeBenchmark.class))
                        .shouldFailOnError(true);
        if (quick) {
            options.warmupIterations(0)
                    .measurementIterations(1)
                    .measurementTime(TimeValue.seconds(1));
        }
        Optional<CpuAccounting> cpuBefore = CpuAccounting.sample();
        Collection<RunResult> runs = new Runner(options.build()).run();
        Optional<CpuAccounting> cpuAfter = CpuAccounting.sample();
        OptionalDouble otherCpuShare =
                cpuBefore.isPresent() && cpuAfter.isPresent()
                        ? OptionalDouble.of(
                                cpuAfter.get().otherProcessesShareSince(cpuBefore.get()))
                        : OptionalDouble.empty();

        List<ThroughputResult> results = new ArrayList<>();
        BenchmarkParams anyParams = null;
        for (RunResult run : runs) {
            anyParams = run.getParams();
            results.add(toThroughput(run));
        }
        results = ThroughputTable.sorted(results);

        ObjectNode report = report(results, anyParams, quick, otherCpuShare);
        System.out.println();
        System.out.println(
                "Model CPU throughput: "
                        + report.path("model").path("description").asText()
                        + "; torch intra-op threads "
                        + report.path("torch").path("intraOpThreads").asInt());
        System.out.print(ThroughputTable.format(results));
        if (otherCpuShare.isPresent() && otherCpuShare.getAsDouble() > MAX_OTHER_CPU_SHARE) {
            System.out.printf(
                    Locale.ROOT,
                    "WARNING: other processes used %.0f%% of the CPU during the run; libtorch's"
                            + " threads slow down badly on shared cores, so these figures are not a"
                            + " baseline. Run again on a quiet machine.%n",
                    100 * otherCpuShare.getAsDouble());
        }
        Path parent = resultsFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper()
                .writerWithDefaultPrettyPrinter()
                .writeValue(resultsFile.toFile(), report);
        System.out.println("Wrote " + resultsFile);
    }

    private static String includePattern(Class<?> benchmarkClass) {
        return "^" + Pattern.quote(benchmarkClass.getName()) + "\\.";
    }

    private static ThroughputResult toThroughput(RunResult run) {
        BenchmarkParams p = run.getParams();
        Result<?> score = run.getPrimaryResult();
        if (!score.getScoreUnit().equals("ops/s")) {
            throw new IllegalStateException(
                    p.getBenchmark() + " reports " + score.getScoreUnit() + ", expected ops/s");
        }
        int batchSize = Integer.parseInt(p.getParam("batchSize"));
        AdapterVariant adapter = AdapterVariant.valueOf(p.getParam("adapter"));
        String method = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
        return switch (method) {
            case ThroughputResult.PREFILL ->
                    ThroughputResult.prefill(
                            batchSize,
                            Integer.parseInt(p.getParam("promptTokens")),
                            adapter,
                            score.getScore(),
                            score.getScoreError());
            case ThroughputResult.DECODE_STEP ->
                    ThroughputResult.decodeStep(
                            batchSize,
                            Integer.parseInt(p.getParam("contextTokens")),
                            adapter,
                            score.getScore(),
                            score.getScoreError());
            default ->
                    throw new IllegalStateException(
                            "no token count known for benchmark " + p.getBenchmark());
        };
    }

    private static ObjectNode report(
            List<ThroughputResult> results,
            BenchmarkParams params,
            boolean quick,
            OptionalDouble otherCpuShare)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put(
                "about",
                "Prefill and decode throughput of a small random Qwen2-shaped model in fp32 on the"
                        + " CPU, written by bench/run-model-cpu.sh. tokensPerSecond counts input"
                        + " tokens for prefill and generated tokens for decode; ratioVsNoAdapter is"
                        + " tokens/s with the adapter over tokens/s without it at the same shape.");
        root.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("quick", quick);

        ObjectNode machine = root.putObject("machine");
        machine.put("cpuModel", cpuModel().orElse("unknown"));
        machine.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("arch", System.getProperty("os.arch"));
        // Share of all cores' time that other processes used during the JMH run (CpuAccounting).
        if (otherCpuShare.isPresent()) {
            machine.put("otherProcessesCpuShare", round(otherCpuShare.getAsDouble(), 4));
        }

        ObjectNode jdk = root.putObject("jdk");
        jdk.put("version", System.getProperty("java.version"));
        jdk.put(
                "vm",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        jdk.put("vendor", System.getProperty("java.vendor"));

        ObjectNode torchInfo = root.putObject("torch");
        torchInfo.put("bytedecoPytorchVersion", Loader.getVersion("org.bytedeco", "pytorch"));
        // Read in this JVM; the forked benchmark JVMs start with the same environment and
        // libtorch defaults, so they run with the same counts.
        torchInfo.put("intraOpThreads", torch.get_num_threads());
        torchInfo.put("interOpThreads", torch.get_num_interop_threads());
        torchInfo.put("parallelInfo", torch.get_parallel_info().getString().strip());
        // Threading variables that change libtorch's behaviour, as this run saw them (null: unset).
        ObjectNode env = torchInfo.putObject("environment");
        for (String name :
                List.of(
                        "OMP_NUM_THREADS",
                        "OMP_WAIT_POLICY",
                        "OPENBLAS_NUM_THREADS",
                        "MKL_NUM_THREADS")) {
            env.put(name, System.getenv(name));
        }

        ObjectNode model = root.putObject("model");
        model.put(
                "description",
                String.format(
                        Locale.ROOT,
                        "qwen2, hidden %d, %d layers, %d heads / %d kv heads, intermediate %d,"
                                + " vocab %d, tied embeddings, fp32, CPU, %.1fM parameters",
                        BenchModels.HIDDEN_SIZE,
                        BenchModels.NUM_LAYERS,
                        BenchModels.NUM_ATTENTION_HEADS,
                        BenchModels.NUM_KV_HEADS,
                        BenchModels.INTERMEDIATE_SIZE,
                        BenchModels.VOCAB_SIZE,
                        BenchModels.baseParameterCount() / 1e6));
        model.put("dtype", "F32");
        model.put("device", "CPU");
        model.put("parameterCount", BenchModels.baseParameterCount());
        model.set("config", BenchModels.smallQwen2Config());

        ObjectNode adapter = root.putObject("adapter");
        adapter.put("variant", AdapterVariant.LORA_R16.name());
        adapter.put("r", BenchModels.LORA_RANK);
        adapter.put("alpha", BenchModels.LORA_ALPHA);
        ArrayNode targets = adapter.putArray("targetModules");
        BenchModels.LORA_TARGET_MODULES.forEach(targets::add);
        adapter.put("parameterCount", BenchModels.loraParameterCount());
        adapter.put("merged", false);

        ObjectNode jmh = root.putObject("jmh");
        jmh.put("version", Version.getPlainVersion());
        if (params != null) {
            jmh.put("mode", params.getMode().shortLabel());
            jmh.put("forks", params.getForks());
            jmh.put("benchmarkThreads", params.getThreads());
            jmh.put("warmupIterations", params.getWarmup().getCount());
            jmh.put("warmupIterationTime", params.getWarmup().getTime().toString());
            jmh.put("measurementIterations", params.getMeasurement().getCount());
            jmh.put("measurementIterationTime", params.getMeasurement().getTime().toString());
            ArrayNode jvmArgs = jmh.putArray("forkJvmArgs");
            for (Object arg : params.getJvmArgs()) {
                jvmArgs.add(arg.toString());
            }
        }

        ArrayNode rows = root.putArray("results");
        for (ThroughputResult r : results) {
            ObjectNode row = rows.addObject();
            row.put("benchmark", r.benchmark());
            row.put("shape", r.shape());
            row.put("batchSize", r.batchSize());
            row.put(
                    r.benchmark().equals(ThroughputResult.PREFILL)
                            ? "promptTokens"
                            : "contextTokens",
                    r.sequenceTokens());
            row.put("adapter", r.adapter().name());
            row.put("tokensPerOperation", r.tokensPerOperation());
            row.put("tokensPerSecond", round(r.tokensPerSecond(), 1));
            row.put("tokensPerSecondError99_9", round(r.tokensPerSecondError(), 1));
            row.put("millisPerOperation", round(r.millisPerOperation(), 3));
            row.put("ratioVsNoAdapter", round(ThroughputTable.ratioVsNoAdapter(r, results), 3));
        }
        return root;
    }

    private static double round(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return value;
        }
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    /** The "model name" line of /proc/cpuinfo, where there is one (Linux). */
    private static Optional<String> cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try {
            return Files.readAllLines(cpuinfo).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
