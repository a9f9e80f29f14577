package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** libtorch's multi-tensor kernels called by name: results per tensor, on the CPU and on CUDA. */
class ForeachTest {
    private static List<Tensor> tensors(ComputeDevice dev, float scale) {
        List<Tensor> out = new ArrayList<>();
        long[][] shapes = {{3, 4}, {5}, {2, 2, 2}};
        int k = 1;
        for (long[] shape : shapes) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = scale * (float) Math.sin(0.7 * k++);
            }
            Tensor t = Tensors.fromFloats(v, shape);
            try (var d = dev.torchDevice()) {
                out.add(dev == ComputeDevice.CPU ? t : t.to(d, DType.F32.scalarType()));
            }
        }
        return out;
    }

    @Test
    void shouldComputeEachNormAndScaleEveryTensor() {
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> ts = tensors(ComputeDevice.CPU, 1f);
            List<Tensor> norms = Foreach.norms(ts);
            assertEquals(3, norms.size());
            for (int i = 0; i < ts.size(); i++) {
                double expected = 0;
                for (float x : Tensors.toFloats(ts.get(i))) {
                    expected += x * x;
                }
                assertEquals(Math.sqrt(expected), Tensors.item(norms.get(i)), 1e-6);
            }
            float[] before = Tensors.toFloats(ts.get(2));
            Foreach.mulInPlace(ts, -0.5);
            float[] after = Tensors.toFloats(ts.get(2));
            for (int i = 0; i < before.length; i++) {
                assertEquals(-0.5f * before[i], after[i], 0f);
            }
        }
    }

    @Test
    void shouldStepAdamWOnCudaAsOnTheCpu() {
        assumeTrue(ComputeDevice.cudaAvailable(), "needs a CUDA device");
        ComputeDevice cuda = ComputeDevice.cuda(0);
        try (PointerScope scope = new PointerScope()) {
            List<List<Tensor>> results = new ArrayList<>();
            for (ComputeDevice dev : List.of(ComputeDevice.CPU, cuda)) {
                List<Tensor> p = tensors(dev, 1f);
                List<Tensor> g = tensors(dev, 0.3f);
                List<Tensor> m = new ArrayList<>();
                List<Tensor> v = new ArrayList<>();
                for (Tensor t : p) {
                    m.add(t.mul(new org.bytedeco.pytorch.Scalar(0.01)));
                    v.add(t.mul(t).mul(new org.bytedeco.pytorch.Scalar(0.001)));
                }
                Tensor step =
                        Tensors.ones(dev, DType.F32, 1).mul(new org.bytedeco.pytorch.Scalar(3.0));
                Foreach.fusedAdamW(
                        p, g, m, v, List.of(step, step, step), 0.01, 0.9, 0.999, 0.1, 1e-8);
                List<Tensor> host = new ArrayList<>();
                for (Tensor t : p) {
                    host.add(t.cpu());
                }
                results.add(host);
            }
            List<Tensor> initial = tensors(ComputeDevice.CPU, 1f);
            for (int i = 0; i < 3; i++) {
                float moved = Tensors.toFloats(results.get(0).get(i))[0];
                assertTrue(moved != Tensors.toFloats(initial.get(i))[0], "the step moved " + i);
                assertArrayEquals(
                        Tensors.toFloats(results.get(0).get(i)),
                        Tensors.toFloats(results.get(1).get(i)),
                        1e-6f,
                        "tensor " + i);
            }
        }
    }
}
