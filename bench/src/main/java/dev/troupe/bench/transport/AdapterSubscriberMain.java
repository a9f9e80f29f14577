package dev.troupe.bench.transport;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.transport.ChannelSpec;
import dev.troupe.transport.TensorSetSubscriber;
import dev.troupe.transport.TransportNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A rollout process of the adapter-sync benchmark: a {@link TensorSetSubscriber} of the
 * Qwen2.5-0.5B LoRA layout on the CPU, on the benchmark's media driver. Exits on "quit".
 *
 * <p>Arguments: Aeron directory, subscriber name.
 */
public final class AdapterSubscriberMain {
    private AdapterSubscriberMain() {}

    public static void main(String[] args) throws Exception {
        try (TransportNode node = TransportNode.start(BenchChannels.config(args[0], false, "ipc"));
                TensorSetSubscriber sub =
                        TensorSetSubscriber.open(
                                node,
                                ChannelSpec.ipc("adapter", BenchChannels.ADAPTER_STREAM),
                                args[1],
                                "adapter",
                                BenchChannels.qwen25HalfBLora(),
                                ComputeDevice.CPU)) {
            System.out.println("READY");
            sub.whenVersion(1).thenRun(() -> System.out.println("FIRST-VERSION"));
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("quit")) {
                System.out.println(
                        "VERSION "
                                + sub.currentVersion()
                                + " "
                                + sub.counters()
                                + " "
                                + sub.lastError());
            }
            System.out.println("VERSION " + sub.currentVersion() + " " + sub.counters());
        }
    }
}
