package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComputeDeviceTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "CPU", " cpu "})
    void shouldParseCpu(String spec) {
        assertEquals(ComputeDevice.CPU, ComputeDevice.parse(spec));
    }

    @Test
    void shouldParseAutoAsTheBestDevice() {
        ComputeDevice auto = ComputeDevice.parse("auto");
        assertEquals(ComputeDevice.best(), auto);
        assertEquals(
                ComputeDevice.cudaAvailable() ? ComputeDevice.cuda(0) : ComputeDevice.CPU, auto);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpu", "", "cpu:0", "cuda0", "mps", "tpu:1"})
    void shouldRejectGarbageListingTheValidForms(String spec) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse(spec));
        assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("valid: cpu, cuda, cuda:N, auto"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda:", "cuda:x", "cuda:1.5", "cuda:-1"})
    void shouldRejectABadCudaIndexNamingTheSpec(String spec) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse(spec));
        assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("index after 'cuda:'"), e.getMessage());
    }

    @Test
    void shouldRejectAnAbsentCudaDeviceSayingHowManyLibtorchSees() {
        int count = ComputeDevice.cudaDeviceCount();
        String spec = "cuda:" + count;
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse(spec));
        assertEquals(
                "device '" + spec + "' is not present: libtorch sees " + count + " CUDA device(s)",
                e.getMessage());
        if (count == 0) {
            assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("cuda"));
        }
    }

    @Test
    void shouldRejectImpossibleIndices() {
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.cuda(-1));
        assertThrows(
                IllegalArgumentException.class, () -> new ComputeDevice(ComputeDevice.Type.CPU, 1));
    }

    @Test
    void shouldPrintTheParseableForm() {
        assertEquals("cpu", ComputeDevice.CPU.toString());
        assertEquals("cuda:3", ComputeDevice.cuda(3).toString());
        assertEquals(ComputeDevice.CPU, ComputeDevice.parse(ComputeDevice.CPU.toString()));
    }

    @Test
    void shouldMakeCpuTensorsOfTheAskedDtype() {
        assertEquals(DType.F32, ComputeDevice.CPU.defaultComputeDType());
        assertEquals(DType.BF16, ComputeDevice.cuda(0).defaultComputeDType());
        try (Tensor t = Tensors.zeros(ComputeDevice.CPU, DType.I16, 2, 3)) {
            assertTrue(t.is_cpu());
            assertEquals(DType.I16, Tensors.dtype(t));
        }
    }
}
