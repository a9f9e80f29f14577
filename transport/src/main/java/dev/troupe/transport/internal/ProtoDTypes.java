package dev.troupe.transport.internal;

import dev.troupe.tensor.DType;

/** Troupe's {@link DType} and the wire enum {@code troupe.v1.DType}, both ways. */
public final class ProtoDTypes {
    private ProtoDTypes() {}

    public static dev.troupe.proto.v1.DType toProto(DType d) {
        return switch (d) {
            case F64 -> dev.troupe.proto.v1.DType.DTYPE_F64;
            case F32 -> dev.troupe.proto.v1.DType.DTYPE_F32;
            case F16 -> dev.troupe.proto.v1.DType.DTYPE_F16;
            case BF16 -> dev.troupe.proto.v1.DType.DTYPE_BF16;
            case I64 -> dev.troupe.proto.v1.DType.DTYPE_I64;
            case I32 -> dev.troupe.proto.v1.DType.DTYPE_I32;
            case I16 -> dev.troupe.proto.v1.DType.DTYPE_I16;
            case I8 -> dev.troupe.proto.v1.DType.DTYPE_I8;
            case U8 -> dev.troupe.proto.v1.DType.DTYPE_U8;
            case BOOL -> dev.troupe.proto.v1.DType.DTYPE_BOOL;
        };
    }

    /** The dtype of a wire value, or null for an unspecified or unknown one. */
    public static DType fromProto(dev.troupe.proto.v1.DType d) {
        return switch (d) {
            case DTYPE_F64 -> DType.F64;
            case DTYPE_F32 -> DType.F32;
            case DTYPE_F16 -> DType.F16;
            case DTYPE_BF16 -> DType.BF16;
            case DTYPE_I64 -> DType.I64;
            case DTYPE_I32 -> DType.I32;
            case DTYPE_I16 -> DType.I16;
            case DTYPE_I8 -> DType.I8;
            case DTYPE_U8 -> DType.U8;
            case DTYPE_BOOL -> DType.BOOL;
            case DTYPE_UNSPECIFIED, UNRECOGNIZED -> null;
        };
    }
}
