package dev.troupe.bench.transport;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.transport.BatchDescriptor;
import dev.troupe.transport.BatchTarget;
import dev.troupe.transport.ChannelSpec;
import dev.troupe.transport.TensorLayout;
import dev.troupe.transport.TensorSink;
import dev.troupe.transport.TransportConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** Configs, channels and tensor layouts shared by the transport benchmark and its child JVMs. */
final class BenchChannels {
    private BenchChannels() {}

    static final int THROUGHPUT_STREAM = 9001;
    static final int ADAPTER_STREAM = 9101;

    /** Transport settings of the benchmark: the reference defaults, in {@code directory}. */
    static TransportConfig config(String directory, boolean embedded, String media) {
        return TransportConfig.parse(
                System.getProperty("bench.config", "")
                        + "\ntroupe.transport { media = "
                        + media
                        + ", driver { directory = \""
                        + directory
                        + "\", mode = "
                        + (embedded ? "embedded" : "external")
                        + " }, idle-strategy = "
                        + System.getProperty("bench.idle", "backoff")
                        + ", ack-timeout = 60s, send-timeout = 30s, receive-timeout = 30s }");
    }

    static ChannelSpec throughputSpec(String media, int udpPort) {
        return media.equals("ipc")
                ? ChannelSpec.ipc("bench", THROUGHPUT_STREAM)
                : ChannelSpec.udp("bench", "127.0.0.1", udpPort, THROUGHPUT_STREAM);
    }

    /**
     * The LoRA layout of a Qwen2.5-0.5B-shaped model: rank 16 on q, k, v, o, gate, up and down of
     * each of its 24 layers (hidden 896, 14 query / 2 key-value heads of 64, intermediate 4864),
     * PEFT names, fp32: 8,798,208 parameters.
     */
    static TensorLayout qwen25HalfBLora() {
        int hidden = 896;
        int kv = 2 * 64;
        int inter = 4864;
        int rank = 16;
        Object[][] targets = {
            {"self_attn.q_proj", hidden, hidden},
            {"self_attn.k_proj", hidden, kv},
            {"self_attn.v_proj", hidden, kv},
            {"self_attn.o_proj", hidden, hidden},
            {"mlp.gate_proj", hidden, inter},
            {"mlp.up_proj", hidden, inter},
            {"mlp.down_proj", inter, hidden},
        };
        List<TensorLayout.Entry> entries = new ArrayList<>();
        for (int layer = 0; layer < 24; layer++) {
            for (Object[] t : targets) {
                String p = "base_model.model.model.layers." + layer + "." + t[0];
                int in = (Integer) t[1];
                int out = (Integer) t[2];
                entries.add(
                        new TensorLayout.Entry(
                                p + ".lora_A.weight", DType.F32, new long[] {rank, in}));
                entries.add(
                        new TensorLayout.Entry(
                                p + ".lora_B.weight", DType.F32, new long[] {out, rank}));
            }
        }
        return new TensorLayout(entries);
    }

    /** Fresh tensors of {@code layout}, filled with {@code value}. */
    static Map<String, Tensor> filled(TensorLayout layout, float value) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (TensorLayout.Entry e : layout.entries()) {
            Tensor t = Tensors.empty(ComputeDevice.CPU, e.dtype(), e.shape());
            t.fill_(new org.bytedeco.pytorch.Scalar(value));
            m.put(e.name(), t);
        }
        return m;
    }

    /** A sink that keeps one destination tensor per size and reuses it. */
    static final class ReusingSink implements TensorSink {
        private final Map<Long, Tensor> bySize = new HashMap<>();

        @Override
        public BatchTarget prepare(BatchDescriptor batch) {
            Tensor[] out = new Tensor[batch.tensors().size()];
            for (int i = 0; i < out.length; i++) {
                var h = batch.tensors().get(i);
                long n = h.getLengthBytes();
                Tensor t =
                        bySize.computeIfAbsent(
                                n, k -> Tensors.empty(ComputeDevice.CPU, DType.U8, k));
                out[i] = t;
            }
            return BatchTarget.into(out, null);
        }

        @Override
        public void commit(BatchDescriptor batch, BatchTarget target) {}
    }
}
