package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.GpuTest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A GPU subscriber: bytes land in pinned host staging, then one copy to the device. */
@GpuTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GpuStagingTest {
    @Test
    void shouldDeliverIntoCudaTensorsThroughPinnedStaging() throws Exception {
        assumeTrue(ComputeDevice.cudaAvailable(), "needs a CUDA device");
        ComputeDevice gpu = ComputeDevice.cuda(0);
        try (TransportNode node = TransportNode.start(testConfig(freshDirectory()))) {
            ChannelSpec spec = ChannelSpec.ipc("gpu", 7001);
            Map<String, Tensor> v1 = TensorSetTest.adapter(1);
            Map<String, Tensor> onGpu = new LinkedHashMap<>();
            try (Tensor d = Tensors.empty(gpu, dev.troupe.tensor.DType.F32, 1)) {
                for (var e : v1.entrySet()) {
                    onGpu.put(e.getKey(), e.getValue().to(d.device(), e.getValue().scalar_type()));
                }
            }
            try (TensorSetPublisher pub =
                            TensorSetPublisher.open(
                                    node, spec, "learner", "adapter", SenderListener.NONE);
                    TensorSetSubscriber sub =
                            TensorSetSubscriber.open(
                                    node,
                                    spec,
                                    "rollout-gpu",
                                    "adapter",
                                    TensorLayout.of(v1),
                                    gpu)) {
                awaitTrue("subscriber", 5000, () -> pub.subscribers().contains("rollout-gpu"));
                pub.publish(1, onGpu).delivered().get(10, TimeUnit.SECONDS);
                try (TensorSetLease lease = sub.acquire().orElseThrow()) {
                    for (var e : v1.entrySet()) {
                        Tensor held = lease.tensor(e.getKey());
                        assertTrue(held.is_cuda());
                        assertArrayEquals(Tensors.toBytes(e.getValue()), Tensors.toBytes(held));
                    }
                }
            } finally {
                v1.values().forEach(Tensor::close);
                onGpu.values().forEach(Tensor::close);
            }
        }
    }
}
