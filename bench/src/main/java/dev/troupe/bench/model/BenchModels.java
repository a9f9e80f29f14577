package dev.troupe.bench.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The model the CPU benchmarks run: a scaled-down Qwen2.5 (same family and layout: grouped-query
 * attention with q/k/v bias, SwiGLU MLP, RMSNorm, RoPE, tied embeddings), small enough that a full
 * run fits in a few minutes on a 2-core machine. Its weights are random ({@code RandomModels});
 * throughput does not depend on their values.
 */
public final class BenchModels {
    private BenchModels() {}

    public static final int VOCAB_SIZE = 8192;
    public static final int HIDDEN_SIZE = 512;
    public static final int INTERMEDIATE_SIZE = 1408;
    public static final int NUM_LAYERS = 8;
    public static final int NUM_ATTENTION_HEADS = 8;
    public static final int NUM_KV_HEADS = 2;
    public static final int MAX_POSITION_EMBEDDINGS = 1024;

    /** Seeds the random base weights and the adapter, so every run measures the same model. */
    public static final long SEED = 20240917L;

    /** LoRA rank of {@link AdapterVariant#LORA_R16}. */
    public static final int LORA_RANK = 16;

    /** LoRA alpha of {@link AdapterVariant#LORA_R16} (scaling alpha / r = 2). */
    public static final double LORA_ALPHA = 32;

    /** Every linear layer of a decoder block, as PEFT names them. */
    public static final List<String> LORA_TARGET_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** The Hugging Face config.json of the benchmark model. */
    public static ObjectNode smallQwen2Config() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        c.put("model_type", "qwen2");
        c.put("vocab_size", VOCAB_SIZE);
        c.put("hidden_size", HIDDEN_SIZE);
        c.put("intermediate_size", INTERMEDIATE_SIZE);
        c.put("num_hidden_layers", NUM_LAYERS);
        c.put("num_attention_heads", NUM_ATTENTION_HEADS);
        c.put("num_key_value_heads", NUM_KV_HEADS);
        c.put("max_position_embeddings", MAX_POSITION_EMBEDDINGS);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 1_000_000.0);
        c.put("use_sliding_window", false);
        c.put("tie_word_embeddings", true);
        c.put("initializer_range", 0.02);
        return c;
    }

    /**
     * Parameters of the base model: the tied (vocab, hidden) embedding, per layer the q/k/v
     * projections with bias, o without, the three MLP matrices and two norms, and the final norm.
     */
    public static long baseParameterCount() {
        long h = HIDDEN_SIZE;
        long kv = (long) NUM_KV_HEADS * (HIDDEN_SIZE / NUM_ATTENTION_HEADS);
        long attention = (h * h + h) + 2 * (h * kv + kv) + h * h;
        long mlp = 3 * h * INTERMEDIATE_SIZE;
        long perLayer = attention + mlp + 2 * h;
        return VOCAB_SIZE * h + NUM_LAYERS * perLayer + h;
    }

    /** Parameters of the rank-16 adapter: r * (in + out) for each targeted matrix of each layer. */
    public static long loraParameterCount() {
        long h = HIDDEN_SIZE;
        long kv = (long) NUM_KV_HEADS * (HIDDEN_SIZE / NUM_ATTENTION_HEADS);
        long i = INTERMEDIATE_SIZE;
        long perLayer = (h + h) + 2 * (h + kv) + (h + h) + 2 * (h + i) + (i + h);
        return LORA_RANK * perLayer * NUM_LAYERS;
    }
}
