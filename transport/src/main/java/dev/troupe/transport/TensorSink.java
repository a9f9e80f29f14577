package dev.troupe.transport;

/**
 * Decides where a {@link TensorReceiver} writes each batch and learns how it ended. Called on the
 * receiver's agent thread: never block. The receiver never writes into tensors the sink did not
 * hand it for this batch, and calls exactly one of {@link #commit} or {@link #discard} for each
 * batch the sink accepted; so a sink that hands out a spare buffer keeps its last good tensors on
 * any failure.
 */
public interface TensorSink {
    /**
     * Where the batch goes, or {@link BatchTarget#refuse} (counted and answered with its status).
     * The receiver checks the targets against the headers' dtypes and shapes; a mismatch is a
     * {@link TransferStatus#LAYOUT_MISMATCH}.
     */
    BatchTarget prepare(BatchDescriptor batch);

    /**
     * The batch arrived whole and verified (and device targets hold their copies): apply it. The
     * headers now carry each tensor's CRC32C. A RuntimeException refuses it after all.
     */
    void commit(BatchDescriptor batch, BatchTarget target);

    /**
     * The batch will not complete; the target's buffers are free again.
     *
     * @param target the target {@link #prepare} returned, or null if it refused or never ran
     * @param detail what went wrong, naming the stream and sender
     */
    default void discard(
            BatchDescriptor batch, BatchTarget target, TransferStatus status, String detail) {}

    /** The newest version this sink holds complete, told to the sender in hellos (-1: none). */
    default long haveVersion() {
        return -1;
    }
}
