package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class DTypeTest {

    @ParameterizedTest
    @EnumSource(DType.class)
    void shouldMatchLibtorchElementSizeAndMapBack(DType dtype) {
        try (Tensor t = Tensors.zeros(ComputeDevice.CPU, dtype, 3)) {
            // JavaCPP returns a fresh ScalarType object here: identity would fail, value must not.
            ScalarType fromNative = t.scalar_type();
            assertTrue(DType.same(dtype.scalarType(), fromNative));
            assertEquals(dtype, DType.fromScalarType(fromNative));
            assertEquals(dtype, Tensors.dtype(t));
            assertEquals(dtype.sizeBytes(), t.element_size());
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void shouldRoundTripTheSafetensorsName(DType dtype) {
        assertEquals(dtype, DType.fromSafetensorsName(dtype.safetensorsName()));
        assertEquals(dtype.name(), dtype.safetensorsName());
    }

    @Test
    void shouldRejectAnUnknownSafetensorsNameListingTheValidOnes() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> DType.fromSafetensorsName("f32"));
        assertEquals(
                "unknown dtype 'f32' (valid: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)",
                e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void shouldParseSafetensorsNamesInAnyCase(DType dtype) {
        assertEquals(dtype, DType.parse(dtype.safetensorsName()));
        assertEquals(dtype, DType.parse(dtype.safetensorsName().toLowerCase(Locale.ROOT)));
    }

    @ParameterizedTest
    @CsvSource({
        "float32, F32",
        "torch.float32, F32",
        "float, F32",
        "fp32, F32",
        "float16, F16",
        "half, F16",
        "fp16, F16",
        "bfloat16, BF16",
        "torch.bfloat16, BF16",
        "float64, F64",
        "double, F64",
        "int64, I64",
        "long, I64",
        "int32, I32",
        "int, I32",
        "int16, I16",
        "short, I16",
        "int8, I8",
        "uint8, U8",
        "bool, BOOL",
        "' Float32 ', F32"
    })
    void shouldParseTorchSpellings(String spelling, DType expected) {
        assertEquals(expected, DType.parse(spelling));
    }

    @ParameterizedTest
    @ValueSource(strings = {"float8", "complex64", "", "torch."})
    void shouldRejectAnUnknownSpellingListingTheValidOnes(String spelling) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DType.parse(spelling));
        assertTrue(e.getMessage().contains("'" + spelling + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("valid: "), e.getMessage());
        assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
    }

    @Test
    void shouldKnowWhichTypesAreFloatingPoint() {
        for (DType d : DType.values()) {
            try (Tensor t = Tensors.zeros(ComputeDevice.CPU, d, 1)) {
                assertEquals(t.is_floating_point(), d.isFloatingPoint(), d.toString());
            }
        }
        assertFalse(DType.BOOL.isFloatingPoint());
    }
}
