package dev.troupe.transport.internal;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * A receiver's answer to a batch, on the sender's control stream: applied ({@code OK}) or dropped
 * and why. The version and correlation id in the frame header name the batch.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |             Frame header (24 bytes, FrameFlyweight)          ...
 *  +---------------------------------------------------------------+
 *  |                      Receiver Id (int64)                      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Status (TransferStatus code)                 |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (int32)                       |
 *  +---------------------------------------------------------------+
 *  |                  Bytes Received (int64)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class AckFrameFlyweight extends FrameFlyweight {
    public static final int RECEIVER_ID_OFFSET = HEADER_LENGTH;
    public static final int STATUS_OFFSET = RECEIVER_ID_OFFSET + 8;
    public static final int BYTES_RECEIVED_OFFSET = STATUS_OFFSET + 8;
    public static final int LENGTH = BYTES_RECEIVED_OFFSET + 8;

    public long receiverId() {
        return buffer.getLong(offset + RECEIVER_ID_OFFSET, LITTLE_ENDIAN);
    }

    public AckFrameFlyweight receiverId(long id) {
        mutable().putLong(offset + RECEIVER_ID_OFFSET, id, LITTLE_ENDIAN);
        return this;
    }

    public int status() {
        return buffer.getInt(offset + STATUS_OFFSET, LITTLE_ENDIAN);
    }

    public AckFrameFlyweight status(int status) {
        mutable().putInt(offset + STATUS_OFFSET, status, LITTLE_ENDIAN);
        mutable().putInt(offset + STATUS_OFFSET + 4, 0, LITTLE_ENDIAN);
        return this;
    }

    public long bytesReceived() {
        return buffer.getLong(offset + BYTES_RECEIVED_OFFSET, LITTLE_ENDIAN);
    }

    public AckFrameFlyweight bytesReceived(long bytes) {
        mutable().putLong(offset + BYTES_RECEIVED_OFFSET, bytes, LITTLE_ENDIAN);
        return this;
    }
}
