package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CUDA graphs on a GPU (skipped without one): replay follows in-place input updates. */
class CudaGraphTest {
    @BeforeEach
    void needsGpu() {
        assumeTrue(ComputeDevice.cudaAvailable(), "needs a CUDA device");
    }

    @Test
    void shouldReplayOnTheInputsAsTheyAreAtReplay() {
        ComputeDevice gpu = ComputeDevice.cuda(0);
        try (NoGrad ng = new NoGrad();
                PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.zeros(gpu, DType.F32, 4);
            Tensor[] out = new Tensor[1];
            try (CudaGraph g =
                    CudaGraph.capture(
                            gpu,
                            () -> {
                                if (out[0] != null) {
                                    Owned.release(out[0]);
                                }
                                try (PointerScope s = new PointerScope()) {
                                    // Several kernels, an intermediate freed inside the graph.
                                    Tensor y = x.mul(new Scalar(2.0)).add(new Scalar(1.0));
                                    out[0] = Owned.keep(y.mul(y));
                                }
                            })) {
                for (float v : new float[] {1f, 3f, -2f}) {
                    x.fill_(new Scalar(v));
                    g.replay();
                    float e = (2 * v + 1) * (2 * v + 1);
                    assertArrayEquals(new float[] {e, e, e, e}, Tensors.toFloats(out[0]), 1e-6f);
                }
            } finally {
                Owned.release(out[0]);
            }
        }
    }

    @Test
    void shouldRefuseCodeThatSynchronisesAndLeaveTheDeviceUsable() {
        ComputeDevice gpu = ComputeDevice.cuda(0);
        try (NoGrad ng = new NoGrad();
                PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.ones(gpu, DType.F32, 4);
            // Reading a value on the host cannot be recorded.
            assertThrows(
                    IllegalStateException.class,
                    () -> CudaGraph.capture(gpu, () -> Tensors.item(x.sum())));
            assertArrayEquals(
                    new float[] {2, 2, 2, 2}, Tensors.toFloats(x.add(new Scalar(1.0))), 0f);
        }
    }
}
