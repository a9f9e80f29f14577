package dev.troupe.transport.internal;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * A chunk frame: one run of one tensor's bytes, written with {@code tryClaim} straight from the
 * tensor's memory. Its CRC32C is the running checksum of the tensor's bytes from offset 0 through
 * the end of this chunk, so a receiver checks every chunk and ends with the whole tensor's CRC32C.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |             Frame header (24 bytes, FrameFlyweight)          ...
 *  +---------------------------------------------------------------+
 *  |                     Tensor Index (int32)                      |
 *  +---------------------------------------------------------------+
 *  |                Running CRC32C through this chunk              |
 *  +---------------------------------------------------------------+
 *  |                Byte Offset in the tensor (int64)              |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Payload Length (int32)                      |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (int32)                       |
 *  +---------------------------------------------------------------+
 *  |                          Payload                             ...
 * </pre>
 */
public final class ChunkFrameFlyweight extends FrameFlyweight {
    public static final int TENSOR_INDEX_OFFSET = HEADER_LENGTH;
    public static final int RUNNING_CRC_OFFSET = TENSOR_INDEX_OFFSET + 4;
    public static final int TENSOR_OFFSET_OFFSET = RUNNING_CRC_OFFSET + 4;
    public static final int PAYLOAD_LENGTH_OFFSET = TENSOR_OFFSET_OFFSET + 8;
    public static final int PAYLOAD_OFFSET = PAYLOAD_LENGTH_OFFSET + 8;

    /** Bytes before the payload. */
    public static final int CHUNK_HEADER_LENGTH = PAYLOAD_OFFSET;

    public int tensorIndex() {
        return buffer.getInt(offset + TENSOR_INDEX_OFFSET, LITTLE_ENDIAN);
    }

    public ChunkFrameFlyweight tensorIndex(int index) {
        mutable().putInt(offset + TENSOR_INDEX_OFFSET, index, LITTLE_ENDIAN);
        return this;
    }

    public int runningCrc() {
        return buffer.getInt(offset + RUNNING_CRC_OFFSET, LITTLE_ENDIAN);
    }

    public ChunkFrameFlyweight runningCrc(int crc) {
        mutable().putInt(offset + RUNNING_CRC_OFFSET, crc, LITTLE_ENDIAN);
        return this;
    }

    public long tensorOffset() {
        return buffer.getLong(offset + TENSOR_OFFSET_OFFSET, LITTLE_ENDIAN);
    }

    public ChunkFrameFlyweight tensorOffset(long byteOffset) {
        mutable().putLong(offset + TENSOR_OFFSET_OFFSET, byteOffset, LITTLE_ENDIAN);
        return this;
    }

    public int payloadLength() {
        return buffer.getInt(offset + PAYLOAD_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    public ChunkFrameFlyweight payloadLength(int length) {
        mutable().putInt(offset + PAYLOAD_LENGTH_OFFSET, length, LITTLE_ENDIAN);
        mutable().putInt(offset + PAYLOAD_LENGTH_OFFSET + 4, 0, LITTLE_ENDIAN);
        return this;
    }

    /** Offset of the payload in {@link #buffer()}. */
    public int payloadOffset() {
        return offset + PAYLOAD_OFFSET;
    }
}
