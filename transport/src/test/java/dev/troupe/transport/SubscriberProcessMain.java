package dev.troupe.transport;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.Tensors;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * A tensor-set subscriber in its own JVM (for {@link TensorSetProcessTest}), standing in for a
 * rollout: it takes a lease as a generation batch would, checks that the bytes it holds are exactly
 * those of the version the lease reports, and prints {@code HOLD name version OK|BAD} whenever the
 * version changes. Quits on "quit" from stdin.
 *
 * <p>Arguments: Aeron directory, stream id, subscriber name.
 */
public final class SubscriberProcessMain {
    private SubscriberProcessMain() {}

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        int stream = Integer.parseInt(args[1]);
        String name = args[2];
        TransportConfig config =
                TransportTestSupport.testConfig(dir, "troupe.transport.driver.mode = external");
        Map<String, Tensor> probe = TensorSetTest.adapter(0);
        TensorLayout layout = TensorLayout.of(probe);
        probe.values().forEach(Tensor::close);
        Thread quit =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    System.in, StandardCharsets.UTF_8))) {
                                while (!"quit".equals(r.readLine())) {
                                    // wait
                                }
                            } catch (java.io.IOException e) {
                                // parent gone
                            }
                            System.exit(0);
                        });
        quit.setDaemon(true);
        quit.start();
        try (TransportNode node = TransportNode.start(config);
                TensorSetSubscriber sub =
                        TensorSetSubscriber.open(
                                node,
                                ChannelSpec.ipc("adapter", stream),
                                name,
                                "adapter",
                                layout,
                                ComputeDevice.CPU)) {
            System.out.println("STARTED " + name);
            long reported = -1;
            while (true) {
                Optional<TensorSetLease> lease = sub.acquire();
                if (lease.isPresent()) {
                    try (TensorSetLease l = lease.get()) {
                        if (l.version() != reported) {
                            Map<String, Tensor> want = TensorSetTest.adapter(l.version());
                            boolean ok = true;
                            for (Map.Entry<String, Tensor> e : want.entrySet()) {
                                ok &=
                                        java.util.Arrays.equals(
                                                Tensors.toBytes(e.getValue()),
                                                Tensors.toBytes(l.tensor(e.getKey())));
                                e.getValue().close();
                            }
                            reported = l.version();
                            System.out.println(
                                    "HOLD " + name + " " + reported + " " + (ok ? "OK" : "BAD"));
                        }
                    }
                }
                Thread.sleep(5);
            }
        }
    }
}
