package dev.troupe.transport;

/**
 * How a batch ended at one receiver: the status code of an acknowledgement, and the reason a
 * receiver counts when it drops a batch or a frame. Every status but {@link #OK} means the receiver
 * kept its last good tensors.
 */
public enum TransferStatus {
    /** Applied: the receiver holds the whole batch, every checksum matched. */
    OK(0),
    /** A frame too short for its type, an unknown type or protocol, or a Protobuf that fails. */
    MALFORMED(1),
    /** A chunk's running CRC32C, or a tensor's final one, did not match the bytes received. */
    CHECKSUM_MISMATCH(2),
    /** A batch ended (or the next began) before all its bytes arrived, or a chunk out of order. */
    TRUNCATED(3),
    /** Names, dtypes or shapes of the batch do not match the tensors the receiver expects. */
    LAYOUT_MISMATCH(4),
    /** The batch's version is not newer than the one the receiver holds. */
    STALE_VERSION(5),
    /** A frame of a batch that is not (or no longer) in progress: a late frame of an old one. */
    STALE_FRAME(6),
    /** The receiver had no free buffer to write into (every slot is current or leased). */
    NO_FREE_SLOT(7),
    /** The sender's stream went silent, or its image closed, in the middle of a batch. */
    BROKEN_STREAM(8),
    /** The sender gave up on the batch and said so. */
    ABORTED_BY_SENDER(9),
    /** The receiver's sink refused the batch for a reason of its own. */
    REJECTED(10),
    /** No acknowledgement came within the sender's timeout (sender side only). */
    TIMED_OUT(11),
    /** The batch never left: the publication made no progress, closed, or the sender closed. */
    NOT_SENT(12);

    private static final TransferStatus[] BY_CODE = values();

    private final int code;

    TransferStatus(int code) {
        this.code = code;
    }

    /** The code on the wire. */
    public int code() {
        return code;
    }

    /** The status with {@code code}, or {@link #MALFORMED} for an unknown one. */
    public static TransferStatus fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : MALFORMED;
    }
}
