package dev.troupe.transport.internal;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * A frame whose body is a Protobuf message: {@code TensorBatchBegin} ({@link #TYPE_BEGIN}) or
 * {@code ReceiverHello} ({@link #TYPE_HELLO}). Also used, with an empty body, for {@link
 * #TYPE_ABORT}. The body length says how many bytes follow; a frame shorter than that is truncated.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |             Frame header (24 bytes, FrameFlyweight)          ...
 *  +---------------------------------------------------------------+
 *  |                     Body Length (int32)                       |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (int32)                       |
 *  +---------------------------------------------------------------+
 *  |                    Protobuf body                             ...
 * </pre>
 */
public final class BodyFrameFlyweight extends FrameFlyweight {
    public static final int BODY_LENGTH_OFFSET = HEADER_LENGTH;
    public static final int BODY_OFFSET = BODY_LENGTH_OFFSET + 8;

    public int bodyLength() {
        return buffer.getInt(offset + BODY_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    public BodyFrameFlyweight bodyLength(int length) {
        mutable().putInt(offset + BODY_LENGTH_OFFSET, length, LITTLE_ENDIAN);
        mutable().putInt(offset + BODY_LENGTH_OFFSET + 4, 0, LITTLE_ENDIAN);
        return this;
    }

    /** Offset of the body in {@link #buffer()}. */
    public int bodyOffset() {
        return offset + BODY_OFFSET;
    }
}
