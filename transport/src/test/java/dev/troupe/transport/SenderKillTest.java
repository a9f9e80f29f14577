package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sending process is killed (SIGKILL) in the middle of a tensor: the receiver never applies the
 * partial tensor, reports the broken stream within its receive timeout, and keeps the last good
 * one.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SenderKillTest {
    @Test
    void shouldReportBrokenStreamAndNeverApplyPartialTensorWhenSenderIsKilled() throws Exception {
        String dir = freshDirectory();
        TransportConfig config = testConfig(dir);
        TransportTestSupport.RecordingSink sink = new TransportTestSupport.RecordingSink();
        sink.gateVersion = 2;
        try (TransportNode node = TransportNode.start(config);
                TensorReceiver receiver =
                        TensorReceiver.open(
                                node, ChannelSpec.ipc("killed", 5001), "survivor", "x", sink);
                ChildJvm sender =
                        ChildJvm.start("sender", SenderProcessMain.class, dir, "5001", "16")) {
            try {
                sender.await("GOOD-DELIVERED", 30_000, l -> l.equals("GOOD-DELIVERED"));
                // The receiver stalls at the start of v2 while the sender fills the log (16 MiB is
                // 16 terms) and is back-pressured mid-tensor; then the sender dies.
                sink.entered.get(20, TimeUnit.SECONDS);
                Thread.sleep(500);
                sender.kill();
                long killedNs = System.nanoTime();
                sink.gate.complete(null);
                awaitTrue("a discard of v2", 10_000, () -> !sink.discarded.isEmpty());
                double seconds = (System.nanoTime() - killedNs) / 1e9;
                var d = sink.discarded.get(0);
                assertEquals(2, d.batch().version());
                assertEquals(TransferStatus.BROKEN_STREAM, d.status(), d.detail());
                assertTrue(d.detail().contains("channel 'killed'"), d.detail());
                assertTrue(d.detail().contains("doomed"), d.detail());
                // receive-timeout 1 s; the driver notices the dead client after 2 s at the latest.
                assertTrue(seconds < 3.5, "reported after " + seconds + " s");
                Thread.sleep(500);
                assertEquals(1, sink.committed.size(), "only v1 is ever applied");
                assertEquals(1, receiver.counters().discards(TransferStatus.BROKEN_STREAM));
                try (Tensor want = TransportTestSupport.patterned(DType.F32, 1, 1024)) {
                    assertArrayEquals(Tensors.toBytes(want), sink.committed.get(0).bytes().get(0));
                }
            } catch (AssertionError | Exception e) {
                throw new AssertionError(
                        e.getMessage()
                                + "\nreceiver: "
                                + receiver.counters()
                                + "\n"
                                + sender.dump(),
                        e);
            }
        }
    }
}
