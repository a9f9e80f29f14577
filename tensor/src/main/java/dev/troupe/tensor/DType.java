package dev.troupe.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Element types Troupe reads, stores and computes with, with their safetensors names and libtorch
 * scalar types.
 */
public enum DType {
    F64("F64", ScalarType.Double, 8),
    F32("F32", ScalarType.Float, 4),
    F16("F16", ScalarType.Half, 2),
    BF16("BF16", ScalarType.BFloat16, 2),
    I64("I64", ScalarType.Long, 8),
    I32("I32", ScalarType.Int, 4),
    I16("I16", ScalarType.Short, 2),
    I8("I8", ScalarType.Char, 1),
    U8("U8", ScalarType.Byte, 1),
    BOOL("BOOL", ScalarType.Bool, 1);

    private final String safetensorsName;
    private final ScalarType scalarType;
    private final int sizeBytes;

    DType(String safetensorsName, ScalarType scalarType, int sizeBytes) {
        this.safetensorsName = safetensorsName;
        this.scalarType = scalarType;
        this.sizeBytes = sizeBytes;
    }

    /** The name used in safetensors headers ("F32", "BF16", ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Whether two libtorch scalar types are the same (see {@link #fromScalarType}). */
    public static boolean same(ScalarType a, ScalarType b) {
        return a.value == b.value;
    }

    public ScalarType scalarType() {
        return scalarType;
    }

    public int sizeBytes() {
        return sizeBytes;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** bf16 or fp16: the dtypes mixed precision computes in. */
    public boolean isHalf() {
        return this == F16 || this == BF16;
    }

    /**
     * The dtype with the given safetensors name.
     *
     * @throws IllegalArgumentException naming the unknown name and the valid ones
     */
    public static DType fromSafetensorsName(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException(
                "unknown dtype '" + name + "' (valid: " + validNames() + ")");
    }

    /**
     * The dtype of a libtorch scalar type. JavaCPP makes a fresh enum object for each value it
     * returns from native code, so scalar types are compared by {@code value}, never by identity.
     */
    public static DType fromScalarType(ScalarType type) {
        for (DType d : values()) {
            if (d.scalarType.value == type.value) {
                return d;
            }
        }
        throw new IllegalArgumentException("libtorch scalar type " + type + " has no Troupe dtype");
    }

    /**
     * Parses a user-facing name, in any case: safetensors names ("BF16", "U8", ...) and the torch
     * spellings, with or without "torch." ("float32", "torch.bfloat16", "fp16", "half", ...).
     *
     * @throws IllegalArgumentException naming the unknown name and the valid ones
     */
    public static DType parse(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.startsWith("torch.")) {
            n = n.substring("torch.".length());
        }
        return switch (n) {
            case "float32", "fp32", "f32", "float" -> F32;
            case "float16", "fp16", "f16", "half" -> F16;
            case "bfloat16", "bf16" -> BF16;
            case "float64", "fp64", "f64", "double" -> F64;
            case "int64", "i64", "long" -> I64;
            case "int32", "i32", "int" -> I32;
            case "int16", "i16", "short" -> I16;
            case "int8", "i8" -> I8;
            case "uint8", "u8" -> U8;
            case "bool" -> BOOL;
            default ->
                    throw new IllegalArgumentException(
                            "unknown dtype '"
                                    + name
                                    + "' (valid: float32, float16, bfloat16, float64, int64, int32,"
                                    + " int16, int8, uint8, bool, their torch.* and safetensors"
                                    + " names)");
        };
    }

    private static String validNames() {
        return Arrays.stream(values())
                .map(DType::safetensorsName)
                .collect(Collectors.joining(", "));
    }
}
