package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.patterned;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import io.aeron.driver.ext.DebugReceiveChannelEndpoint;
import io.aeron.driver.ext.RandomLossGenerator;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP between two nodes (two media drivers on loopback) with seeded random loss of data frames at
 * the receiving driver, as Aeron's {@code GapFillLossTest} does: every tensor still arrives byte
 * for byte, through Aeron's NAK-driven retransmission.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UdpLossTest {
    private static final double LOSS_RATE = 0.1;
    private static final long LOSS_SEED = 0x5eedL;

    /** Two free consecutive UDP ports on loopback. */
    static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20000 + ThreadLocalRandom.current().nextInt(20000);
            try (DatagramSocket a = new DatagramSocket(base, InetAddress.getLoopbackAddress());
                    DatagramSocket b =
                            new DatagramSocket(base + 1, InetAddress.getLoopbackAddress())) {
                return base;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no two free consecutive UDP ports on loopback");
    }

    @Test
    void shouldDeliverEveryTensorByteIdenticalDespiteSeededLoss() throws Exception {
        String udp = "troupe.transport { media = udp, udp-host = \"127.0.0.1\" }";
        TransportConfig senderConfig = testConfig(freshDirectory(), udp);
        TransportConfig receiverConfig = testConfig(freshDirectory(), udp);
        AtomicLong dropped = new AtomicLong();
        RandomLossGenerator random = new RandomLossGenerator(LOSS_RATE, LOSS_SEED);
        int port = freePortPair();
        ChannelSpec spec = ChannelSpec.udp("lossy", "127.0.0.1", port, 4001);
        TransportTestSupport.RecordingSink sink = new TransportTestSupport.RecordingSink();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", patterned(DType.F32, 1, 256, 512)); // 512 KiB: ~370 datagrams
        tensors.put("b", patterned(DType.BF16, 2, 1000, 3));
        tensors.put("c", patterned(DType.I64, 3, 77));
        try (TransportNode senderNode = TransportNode.start(senderConfig);
                TransportNode receiverNode =
                        TransportNode.start(
                                receiverConfig,
                                ctx ->
                                        ctx.receiveChannelEndpointSupplier(
                                                (channel, dispatcher, status, context) ->
                                                        new DebugReceiveChannelEndpoint(
                                                                channel,
                                                                dispatcher,
                                                                status,
                                                                context,
                                                                (address, buffer, length) -> {
                                                                    boolean drop =
                                                                            random.shouldDropFrame(
                                                                                    address, buffer,
                                                                                    length);
                                                                    if (drop) {
                                                                        dropped.incrementAndGet();
                                                                    }
                                                                    return drop;
                                                                },
                                                                (address, buffer, length) ->
                                                                        false)));
                TensorSender sender =
                        TensorSender.open(senderNode, spec, "learner", SenderListener.NONE);
                TensorReceiver receiver =
                        TensorReceiver.open(receiverNode, spec, "rollout-0", "x", sink)) {
            awaitTrue("receiver known", 10000, () -> sender.receivers().contains("rollout-0"));
            for (long v = 1; v <= 3; v++) {
                sender.send("x", v, tensors).delivered().get(30, TimeUnit.SECONDS);
            }
            assertEquals(3, sink.committed.size(), "discarded: " + sink.discarded);
            for (var c : sink.committed) {
                int i = 0;
                for (Tensor t : tensors.values()) {
                    assertArrayEquals(Tensors.toBytes(t), c.bytes().get(i++));
                }
            }
            assertEquals(0, receiver.counters().totalDiscards(), receiver.counters().toString());
            assertTrue(dropped.get() > 10, "the loss generator dropped " + dropped.get());
        } finally {
            tensors.values().forEach(Tensor::close);
        }
    }
}
