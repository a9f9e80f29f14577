package dev.troupe.bench.transport;

import dev.troupe.transport.TensorReceiver;
import dev.troupe.transport.TransportNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The receiving process of the throughput benchmark: one {@link TensorReceiver} writing each tensor
 * into a preallocated one of its size. Exits on "quit" or end of stdin.
 *
 * <p>Arguments: Aeron directory, media (ipc: connect to the benchmark's driver; udp: run an
 * embedded driver of its own, as a second host would), UDP base port.
 */
public final class ThroughputReceiverMain {
    private ThroughputReceiverMain() {}

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        String media = args[1];
        int port = Integer.parseInt(args[2]);
        boolean ownDriver = media.equals("udp");
        try (TransportNode node = TransportNode.start(BenchChannels.config(dir, ownDriver, media));
                TensorReceiver r =
                        TensorReceiver.open(
                                node,
                                BenchChannels.throughputSpec(media, port),
                                "bench-receiver",
                                "bench",
                                new BenchChannels.ReusingSink())) {
            System.out.println("READY");
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("quit")) {
                // wait
            }
            System.out.println("COUNTERS " + r.counters());
        }
    }
}
