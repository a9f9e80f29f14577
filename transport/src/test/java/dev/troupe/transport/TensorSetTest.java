package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.patterned;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tensor-set publish/subscribe in one process: versions, leases, late joins. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TensorSetTest {
    private TransportNode node;

    @BeforeEach
    void start() {
        node = TransportNode.start(testConfig(freshDirectory()));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    static Map<String, Tensor> adapter(long version) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("layers.0.q_proj.lora_A.weight", patterned(DType.F32, version * 10 + 1, 4, 32));
        m.put("layers.0.q_proj.lora_B.weight", patterned(DType.F32, version * 10 + 2, 32, 4));
        m.put("layers.0.v_proj.lora_A.weight", patterned(DType.BF16, version * 10 + 3, 4, 32));
        return m;
    }

    static void assertHolds(TensorSetLease lease) {
        Map<String, Tensor> want = adapter(lease.version());
        try {
            for (Map.Entry<String, Tensor> e : want.entrySet()) {
                assertArrayEquals(
                        Tensors.toBytes(e.getValue()),
                        Tensors.toBytes(lease.tensor(e.getKey())),
                        e.getKey() + " at v" + lease.version());
            }
        } finally {
            want.values().forEach(Tensor::close);
        }
    }

    @Test
    void shouldMakeEachVersionVisibleWholeAndKeepLeasedOnesUnchanged() throws Exception {
        ChannelSpec spec = ChannelSpec.ipc("adapter", 2001);
        Map<String, Tensor> v1 = adapter(1);
        TensorLayout layout = TensorLayout.of(v1);
        try (TensorSetPublisher pub =
                        TensorSetPublisher.open(
                                node, spec, "learner", "adapter", SenderListener.NONE);
                TensorSetSubscriber sub =
                        TensorSetSubscriber.open(
                                node, spec, "rollout-0", "adapter", layout, ComputeDevice.CPU)) {
            assertTrue(sub.acquire().isEmpty());
            awaitTrue("subscriber known", 5000, () -> pub.subscribers().contains("rollout-0"));
            BatchDelivery d = pub.publish(1, v1).delivered().get(10, TimeUnit.SECONDS);
            assertEquals(layout.totalBytes(), d.bytes());
            assertEquals(1, sub.currentVersion());
            TensorSetLease held = sub.acquire().orElseThrow();
            assertEquals(1, held.version());
            for (long v = 2; v <= 4; v++) {
                Map<String, Tensor> next = adapter(v);
                pub.publish(v, next).delivered().get(10, TimeUnit.SECONDS);
                next.values().forEach(Tensor::close);
                try (TensorSetLease now = sub.acquire().orElseThrow()) {
                    assertEquals(v, now.version());
                    assertHolds(now);
                }
                assertHolds(held); // v1 stays intact while leased
            }
            held.close();
            assertEquals(0, sub.counters().totalDiscards(), sub.counters().toString());
            assertThrows(IllegalArgumentException.class, () -> pub.publish(4, v1));
        } finally {
            v1.values().forEach(Tensor::close);
        }
    }

    @Test
    void shouldBringLateJoinerToTheCurrentVersion() throws Exception {
        ChannelSpec spec = ChannelSpec.ipc("adapter", 2011);
        try (TensorSetPublisher pub =
                TensorSetPublisher.open(node, spec, "learner", "adapter", SenderListener.NONE)) {
            TensorLayout layout;
            for (long v = 1; v <= 3; v++) {
                Map<String, Tensor> m = adapter(v);
                layout = TensorLayout.of(m);
                pub.publish(v, m).delivered().get(10, TimeUnit.SECONDS); // nobody listens yet
                m.values().forEach(Tensor::close);
            }
            Map<String, Tensor> probe = adapter(0);
            layout = TensorLayout.of(probe);
            probe.values().forEach(Tensor::close);
            try (TensorSetSubscriber late =
                    TensorSetSubscriber.open(
                            node, spec, "rollout-late", "adapter", layout, ComputeDevice.CPU)) {
                assertEquals(3L, late.whenVersion(3).get(10, TimeUnit.SECONDS));
                try (TensorSetLease lease = late.acquire().orElseThrow()) {
                    assertEquals(3, lease.version());
                    assertHolds(lease);
                }
            }
        }
    }

    @Test
    void shouldRefuseVersionWithAnotherLayoutAndKeepTheLastGood() throws Exception {
        ChannelSpec spec = ChannelSpec.ipc("adapter", 2021);
        Map<String, Tensor> v1 = adapter(1);
        try (TensorSetPublisher pub =
                        TensorSetPublisher.open(
                                node, spec, "learner", "adapter", SenderListener.NONE);
                TensorSetSubscriber sub =
                        TensorSetSubscriber.open(
                                node,
                                spec,
                                "rollout-0",
                                "adapter",
                                TensorLayout.of(v1),
                                ComputeDevice.CPU)) {
            awaitTrue("subscriber known", 5000, () -> pub.subscribers().contains("rollout-0"));
            pub.publish(1, v1).delivered().get(10, TimeUnit.SECONDS);
            Map<String, Tensor> wrong = new LinkedHashMap<>();
            wrong.put("layers.0.q_proj.lora_A.weight", patterned(DType.F32, 1, 8, 32));
            wrong.put("layers.0.q_proj.lora_B.weight", patterned(DType.F32, 2, 32, 8));
            wrong.put("layers.0.v_proj.lora_A.weight", patterned(DType.BF16, 3, 8, 32));
            var f = pub.publish(2, wrong).delivered();
            var e = assertThrows(Exception.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("LAYOUT_MISMATCH"), e.getMessage());
            assertEquals(1, sub.counters().discards(TransferStatus.LAYOUT_MISMATCH));
            assertTrue(sub.lastError().contains("arrives as F32[8, 32]"), sub.lastError());
            try (TensorSetLease lease = sub.acquire().orElseThrow()) {
                assertEquals(1, lease.version());
                assertHolds(lease);
            }
            wrong.values().forEach(Tensor::close);
        } finally {
            v1.values().forEach(Tensor::close);
        }
    }
}
