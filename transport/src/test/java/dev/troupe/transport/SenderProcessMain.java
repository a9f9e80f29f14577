package dev.troupe.transport;

import dev.troupe.tensor.DType;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;

/**
 * A sender in its own JVM (for {@link SenderKillTest}): sends a small batch v1, waits until it is
 * applied, then starts a large batch v2 and waits to be killed.
 *
 * <p>Arguments: Aeron directory, stream id, size of the large tensor in MiB.
 */
public final class SenderProcessMain {
    private SenderProcessMain() {}

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        int stream = Integer.parseInt(args[1]);
        int mib = Integer.parseInt(args[2]);
        TransportConfig config =
                TransportTestSupport.testConfig(dir, "troupe.transport.driver.mode = external");
        try (TransportNode node = TransportNode.start(config);
                TensorSender sender =
                        TensorSender.open(
                                node,
                                ChannelSpec.ipc("killed", stream),
                                "doomed",
                                SenderListener.NONE);
                Tensor small = TransportTestSupport.patterned(DType.F32, 1, 1024);
                Tensor large = TransportTestSupport.patterned(DType.U8, 2, mib * 1024L * 1024L)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!sender.receivers().contains("survivor")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no receiver");
                }
                Thread.sleep(10);
            }
            sender.send("x", 1, Map.of("w", small)).delivered().get(20, TimeUnit.SECONDS);
            System.out.println("GOOD-DELIVERED");
            sender.send("x", 2, Map.of("w", large));
            System.out.println("LARGE-STARTED");
            Thread.sleep(TimeUnit.MINUTES.toMillis(2));
        }
    }
}
