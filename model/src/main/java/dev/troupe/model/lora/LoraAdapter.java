package dev.troupe.model.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.layers.Projection;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.CheckpointException;
import dev.troupe.tensor.safetensors.SafetensorsFile;
import dev.troupe.tensor.safetensors.SafetensorsWriter;
import dev.troupe.tensor.safetensors.TensorEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * A LoRA adapter for one model: the A and B matrices of every targeted weight, in fp32, trainable,
 * on the model's device, keyed exactly as PEFT keys them, so {@link #save} writes a folder that
 * PEFT's {@code PeftModel.from_pretrained} loads and {@link #load} reads one PEFT wrote.
 *
 * <p>Layout ({@code adapter_model.safetensors}): {@code base_model.model.<module>.lora_A.weight}
 * (r, in) and {@code ...lora_B.weight} (out, r) for linear modules; for routed experts targeted
 * through {@code target_parameters} (transformers 5 stacks experts into 3-D parameters), PEFT wraps
 * the {@code mlp.experts} module once per parameter, the first parameter innermost, so the gate/up
 * stack's keys read {@code mlp.experts.base_layer.lora_A.weight} when the down stack is targeted
 * too.
 */
public final class LoraAdapter implements LoraLookup, AutoCloseable {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    static final String PEFT_PREFIX = "base_model.model.";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LoraConfig config;
    private final DecoderSpec spec;
    private final LoraWeights[][] slots;
    private final LoraWeights lmHead;
    private volatile boolean autocast;

    /** PEFT key stem (without .lora_A.weight) to weights, in key order. */
    private final Map<String, LoraWeights> byKeyStem;

    private boolean closed;

    private LoraAdapter(
            LoraConfig config,
            DecoderSpec spec,
            LoraWeights[][] slots,
            LoraWeights lmHead,
            Map<String, LoraWeights> byKeyStem) {
        this.config = config;
        this.spec = spec;
        this.slots = slots;
        this.lmHead = lmHead;
        this.byKeyStem = Collections.unmodifiableMap(byKeyStem);
    }

    /** One weight the configuration targets. */
    private record Target(
            int layer, Projection projection, String path, String keyStem, long[] shape) {}

    /**
     * Every weight of {@code model} that {@code config} targets, with PEFT's key stems.
     *
     * @throws IllegalArgumentException when a target names a module the model lacks, or an
     *     unsupported kind of module (embeddings)
     */
    private static List<Target> targets(DecoderModel model, LoraConfig config) {
        DecoderSpec spec = model.spec();
        List<Target> out = new ArrayList<>();
        Set<String> matchedNames = new LinkedHashSet<>();
        if (config.targetsModule("model.embed_tokens", -1)
                && !config.targetModules().contains(LoraConfig.ALL_LINEAR)) {
            throw new IllegalArgumentException(
                    "LoRA on the token embedding (embed_tokens) is not supported");
        }
        for (int l = 0; l < spec.numLayers(); l++) {
            List<Projection> experts = new ArrayList<>();
            for (Projection p : Projection.values()) {
                if (!model.hasProjection(l, p)) {
                    continue;
                }
                String path = p.path(l);
                if (p.isExpertParameter()) {
                    if (config.targetsParameter(path, l)) {
                        experts.add(p);
                        matchedNames.add(p.suffix());
                    }
                } else if (config.targetsModule(path, l)) {
                    long[] w = Tensors.shape(model.baseWeight(l, p));
                    out.add(new Target(l, p, path, path, w));
                    matchedNames.add(path.substring(path.lastIndexOf('.') + 1));
                }
            }
            // PEFT nests one wrapper per targeted parameter, in definition order: the first is
            // innermost, i.e. furthest from the module path.
            for (int i = 0; i < experts.size(); i++) {
                Projection p = experts.get(i);
                String stem =
                        "model.layers."
                                + l
                                + ".mlp.experts"
                                + ".base_layer".repeat(experts.size() - 1 - i);
                out.add(new Target(l, p, p.path(l), stem, Tensors.shape(model.baseWeight(l, p))));
            }
        }
        if (config.targetsModule("lm_head", -1)
                && !config.targetModules().contains(LoraConfig.ALL_LINEAR)) {
            out.add(
                    new Target(
                            -1, null, "lm_head", "lm_head", Tensors.shape(model.lmHeadWeight())));
            matchedNames.add("lm_head");
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "LoRA targets "
                            + config.targetModules()
                            + (config.targetParameters().isEmpty()
                                    ? ""
                                    : " " + config.targetParameters())
                            + " match no module of this "
                            + spec.modelType()
                            + " model");
        }
        return out;
    }

    /**
     * A fresh adapter for {@code model}, initialised as PEFT initialises one.
     *
     * @param seed seeds the initialisation
     */
    public static LoraAdapter create(DecoderModel model, LoraConfig config, long seed) {
        List<Target> targets = targets(model, config);
        Map<String, LoraWeights> made = new LinkedHashMap<>();
        try (SeededRandom rng = new SeededRandom(ComputeDevice.CPU, seed);
                PointerScope scope = new PointerScope()) {
            for (Target t : targets) {
                int rank = config.rankFor(t.path());
                int experts = t.shape().length == 3 ? (int) t.shape()[0] : 0;
                long out = t.shape().length == 3 ? t.shape()[1] : t.shape()[0];
                long in = t.shape().length == 3 ? t.shape()[2] : t.shape()[1];
                long rows = (long) rank * Math.max(experts, 1);
                Tensor a;
                Tensor b;
                switch (config.initLoraWeights()) {
                    case "gaussian" -> {
                        a = rng.normal(0, 1.0 / rank, rows, in);
                        b = Tensors.zeros(ComputeDevice.CPU, DType.F32, out, rows);
                    }
                    case "false" -> {
                        a = kaimingUniform(rng, rows, in);
                        b = kaimingUniform(rng, out, rows);
                    }
                    default -> {
                        a = kaimingUniform(rng, rows, in);
                        b = Tensors.zeros(ComputeDevice.CPU, DType.F32, out, rows);
                    }
                }
                made.put(t.keyStem(), weights(t, config, rank, experts, a, b, model.device()));
            }
            return assemble(model.spec(), config, targets, made);
        }
    }

    /**
     * PEFT's default: nn.Linear's Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in),
     * 1/sqrt(in)).
     */
    private static Tensor kaimingUniform(SeededRandom rng, long rows, long in) {
        double bound = 1.0 / Math.sqrt(in);
        return rng.uniform(-bound, bound, rows, in);
    }

    private static LoraWeights weights(
            Target t,
            LoraConfig config,
            int rank,
            int experts,
            Tensor a,
            Tensor b,
            ComputeDevice device) {
        try (Device dev = device.torchDevice()) {
            Tensor da = Owned.keep(a.to(dev, DType.F32.scalarType()).contiguous().detach());
            Tensor db = Owned.keep(b.to(dev, DType.F32.scalarType()).contiguous().detach());
            // A copy on the device we own outright, so a mapped source file is never aliased.
            if (da.data_ptr().address() == a.data_ptr().address()) {
                Owned.release(da);
                da = Owned.keep(a.clone());
            }
            if (db.data_ptr().address() == b.data_ptr().address()) {
                Owned.release(db);
                db = Owned.keep(b.clone());
            }
            da.set_requires_grad(true);
            db.set_requires_grad(true);
            return new LoraWeights(
                    da, db, rank, config.scalingFor(t.path()), experts, config.loraDropout());
        }
    }

    private static LoraAdapter assemble(
            DecoderSpec spec,
            LoraConfig config,
            List<Target> targets,
            Map<String, LoraWeights> made) {
        LoraWeights[][] slots = new LoraWeights[spec.numLayers()][Projection.values().length];
        LoraWeights head = null;
        for (Target t : targets) {
            LoraWeights w = made.get(t.keyStem());
            if (t.layer() < 0) {
                head = w;
            } else {
                slots[t.layer()][t.projection().ordinal()] = w;
            }
        }
        return new LoraAdapter(config, spec, slots, head, made);
    }

    /**
     * Loads a PEFT adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors})
     * for {@code model}.
     *
     * @throws CheckpointException naming the file when it is missing or malformed, when a tensor
     *     the configuration implies is missing or has the wrong shape, or when the file holds
     *     tensors this model has no place for (an adapter trained on another model)
     */
    public static LoraAdapter load(Path folder, DecoderModel model) {
        Path configFile = folder.resolve(CONFIG_FILE);
        Path weightsFile = folder.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(configFile, "no such file (a PEFT adapter needs it)");
        }
        if (!Files.isRegularFile(weightsFile)) {
            if (Files.exists(folder.resolve("adapter_model.bin"))) {
                throw new CheckpointException(
                        weightsFile,
                        "missing; only safetensors adapters are read, not adapter_model.bin");
            }
            throw new CheckpointException(weightsFile, "no such file (a PEFT adapter needs it)");
        }
        LoraConfig config;
        try {
            config =
                    LoraConfig.fromPeftJson(
                            JSON.readTree(Files.readAllBytes(configFile)), configFile);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(
                    configFile, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(configFile, "cannot read: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, e.getMessage(), e);
        }
        List<Target> targets;
        try {
            targets = targets(model, config);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, e.getMessage(), e);
        }
        Map<String, LoraWeights> made = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(weightsFile);
                PointerScope scope = new PointerScope()) {
            Set<String> remaining = new LinkedHashSet<>(file.names());
            for (Target t : targets) {
                int rank = config.rankFor(t.path());
                int experts = t.shape().length == 3 ? (int) t.shape()[0] : 0;
                long out = experts > 0 ? t.shape()[1] : t.shape()[0];
                long in = experts > 0 ? t.shape()[2] : t.shape()[1];
                long rows = (long) rank * Math.max(experts, 1);
                String stem = resolveStem(file, t, rows, in);
                Tensor a = read(file, PEFT_PREFIX + stem + ".lora_A.weight", rows, in);
                Tensor b = read(file, PEFT_PREFIX + stem + ".lora_B.weight", out, rows);
                remaining.remove(PEFT_PREFIX + stem + ".lora_A.weight");
                remaining.remove(PEFT_PREFIX + stem + ".lora_B.weight");
                made.put(t.keyStem(), weights(t, config, rank, experts, a, b, model.device()));
            }
            checkSavedBaseLayers(file, remaining, model);
            if (!remaining.isEmpty()) {
                made.values().forEach(w -> Owned.release(w.a(), w.b()));
                throw new CheckpointException(
                        weightsFile,
                        remaining.size()
                                + " tensor(s) fit no targeted module of this "
                                + model.spec().modelType()
                                + " model (an adapter for another model?), e.g. '"
                                + remaining.iterator().next()
                                + "'");
            }
            return assemble(model.spec(), config, targets, made);
        } catch (RuntimeException e) {
            made.values().forEach(w -> Owned.release(w.a(), w.b()));
            throw e;
        }
    }

    /**
     * PEFT saves the frozen base weight of an adapted LM head or embedding beside its LoRA tensors
     * ({@code save_embedding_layers}), in case the vocabulary was resized. Such a copy is accepted,
     * and removed from {@code remaining}, only if it equals the model's weight: Troupe keeps base
     * weights frozen and would otherwise silently compute with different ones.
     */
    private static void checkSavedBaseLayers(
            SafetensorsFile file, Set<String> remaining, DecoderModel model) {
        Map<String, Tensor> bases =
                Map.of(
                        PEFT_PREFIX + "lm_head.base_layer.weight", model.lmHeadWeight(),
                        PEFT_PREFIX + "model.embed_tokens.base_layer.weight", model.embedding(),
                        PEFT_PREFIX + "model.embed_tokens.weight", model.embedding());
        for (Map.Entry<String, Tensor> e : bases.entrySet()) {
            if (!remaining.contains(e.getKey())) {
                continue;
            }
            Tensor saved = read(file, e.getKey(), Tensors.shape(e.getValue()));
            Tensor cast = saved.to(e.getValue().device(), e.getValue().scalar_type());
            if (!cast.equal(e.getValue())) {
                throw new CheckpointException(
                        file.file(),
                        "'"
                                + e.getKey()
                                + "' differs from the model's own weight (a resized or retrained"
                                + " vocabulary?); Troupe keeps base weights frozen and cannot use it");
            }
            remaining.remove(e.getKey());
        }
    }

    /**
     * The key stem actually used in the file. For expert parameters the nesting depth depends on
     * which parameters PEFT wrapped; the A shapes of the two stacks always differ, so the shape
     * decides.
     */
    private static String resolveStem(SafetensorsFile file, Target t, long rows, long in) {
        if (t.projection() == null || !t.projection().isExpertParameter()) {
            return t.keyStem();
        }
        String base = "model.layers." + t.layer() + ".mlp.experts";
        for (int depth = 0; depth < 3; depth++) {
            String stem = base + ".base_layer".repeat(depth);
            String key = PEFT_PREFIX + stem + ".lora_A.weight";
            if (file.contains(key)
                    && Arrays.equals(file.entry(key).shape(), new long[] {rows, in})) {
                return stem;
            }
        }
        return t.keyStem();
    }

    private static Tensor read(SafetensorsFile file, String key, long... shape) {
        if (!file.contains(key)) {
            throw new CheckpointException(file.file(), "missing tensor '" + key + "'");
        }
        TensorEntry e = file.entry(key);
        if (!e.dtype().isFloatingPoint()) {
            throw new CheckpointException(
                    file.file(),
                    "tensor '" + key + "' has dtype " + e.dtype() + ", expected a float type");
        }
        if (!Arrays.equals(e.shape(), shape)) {
            throw new CheckpointException(
                    file.file(),
                    "tensor '"
                            + key
                            + "' has shape "
                            + Arrays.toString(e.shape())
                            + " but the model and adapter_config.json imply "
                            + Arrays.toString(shape));
        }
        return file.load(key);
    }

    /**
     * Writes the adapter in PEFT's layout, atomically per file.
     *
     * @param baseModelNameOrPath recorded as {@code base_model_name_or_path}
     */
    public void save(Path folder, String baseModelNameOrPath) {
        checkOpen();
        try {
            Files.createDirectories(folder);
            Map<String, String> metadata = Map.of("format", "pt");
            SafetensorsWriter.write(folder.resolve(WEIGHTS_FILE), peftTensors(), metadata);
            byte[] cfg =
                    JSON.writeValueAsString(config.toPeftJson(JSON, baseModelNameOrPath))
                            .getBytes(StandardCharsets.UTF_8);
            Path tmp = Files.createTempFile(folder, "." + CONFIG_FILE, ".tmp");
            Files.write(tmp, cfg);
            Files.move(
                    tmp,
                    folder.resolve(CONFIG_FILE),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CheckpointException(folder, "cannot write adapter: " + e.getMessage(), e);
        }
    }

    /** Every A and B under its PEFT key, in key order. The tensors are the adapter's own. */
    public Map<String, Tensor> peftTensors() {
        checkOpen();
        Map<String, Tensor> out = new LinkedHashMap<>();
        byKeyStem.forEach(
                (stem, w) -> {
                    out.put(PEFT_PREFIX + stem + ".lora_A.weight", w.a());
                    out.put(PEFT_PREFIX + stem + ".lora_B.weight", w.b());
                });
        return out;
    }

    /** The trainable tensors (A then B of each weight, in key order). */
    public List<Tensor> parameters() {
        return List.copyOf(peftTensors().values());
    }

    /** Number of trainable scalars. */
    public long numParameters() {
        long n = 0;
        for (Tensor t : parameters()) {
            n += t.numel();
        }
        return n;
    }

    public LoraConfig config() {
        return config;
    }

    /** The weights of every adapted module or parameter, keyed by PEFT key stem. */
    public Map<String, LoraWeights> weightsByKeyStem() {
        return byKeyStem;
    }

    @Override
    public LoraWeights get(int layer, Projection projection) {
        return slots[layer][projection.ordinal()];
    }

    @Override
    public boolean autocast() {
        return autocast;
    }

    /**
     * Runs the low-rank products in the activations' dtype ({@link LoraLookup#autocast}) or, with
     * false (the default), in fp32 as PEFT does without autocast. The weights stay fp32 either way.
     */
    public LoraAdapter autocast(boolean on) {
        this.autocast = on;
        return this;
    }

    @Override
    public LoraWeights lmHead() {
        return lmHead;
    }

    public DecoderSpec spec() {
        return spec;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("adapter is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            byKeyStem.values().forEach(w -> Owned.release(w.a(), w.b()));
        }
    }
}
