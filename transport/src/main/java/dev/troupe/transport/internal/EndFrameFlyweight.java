package dev.troupe.transport.internal;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The end frame of a batch: how many tensors and bytes were sent and each tensor's final CRC32C. A
 * receiver applies the batch only when all of it arrived and every checksum matches.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |             Frame header (24 bytes, FrameFlyweight)          ...
 *  +---------------------------------------------------------------+
 *  |                     Tensor Count (int32)                      |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (int32)                       |
 *  +---------------------------------------------------------------+
 *  |                    Total Bytes (int64)                        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |               CRC32C of tensor 0 (int32) ...                 ...
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class EndFrameFlyweight extends FrameFlyweight {
    public static final int TENSOR_COUNT_OFFSET = HEADER_LENGTH;
    public static final int TOTAL_BYTES_OFFSET = TENSOR_COUNT_OFFSET + 8;
    public static final int CRCS_OFFSET = TOTAL_BYTES_OFFSET + 8;

    /** Frame length for {@code tensorCount} tensors. */
    public static int length(int tensorCount) {
        return CRCS_OFFSET + 4 * tensorCount;
    }

    public int tensorCount() {
        return buffer.getInt(offset + TENSOR_COUNT_OFFSET, LITTLE_ENDIAN);
    }

    public EndFrameFlyweight tensorCount(int count) {
        mutable().putInt(offset + TENSOR_COUNT_OFFSET, count, LITTLE_ENDIAN);
        mutable().putInt(offset + TENSOR_COUNT_OFFSET + 4, 0, LITTLE_ENDIAN);
        return this;
    }

    public long totalBytes() {
        return buffer.getLong(offset + TOTAL_BYTES_OFFSET, LITTLE_ENDIAN);
    }

    public EndFrameFlyweight totalBytes(long bytes) {
        mutable().putLong(offset + TOTAL_BYTES_OFFSET, bytes, LITTLE_ENDIAN);
        return this;
    }

    public int crc(int tensorIndex) {
        return buffer.getInt(offset + CRCS_OFFSET + 4 * tensorIndex, LITTLE_ENDIAN);
    }

    public EndFrameFlyweight crc(int tensorIndex, int crc) {
        mutable().putInt(offset + CRCS_OFFSET + 4 * tensorIndex, crc, LITTLE_ENDIAN);
        return this;
    }
}
