package dev.troupe.transport.internal;

import dev.troupe.transport.BatchSend;
import dev.troupe.transport.TransferStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.bytedeco.pytorch.Tensor;

/**
 * A batch on its way: the frames prepared on the caller's thread, and the progress and answers the
 * sender agent records. Only the agent touches the mutable fields.
 */
public final class OutgoingBatch {
    static final int BEGIN = 0;
    static final int CHUNKS = 1;
    static final int END = 2;
    static final int AWAITING_ACKS = 3;

    final BatchSend handle;
    final String[] names;
    final TensorMemory[] memory;
    final Tensor[] owned;
    final UnsafeBuffer beginFrame;
    final int beginLength;
    final UnsafeBuffer endFrame;
    final int endLength;
    final long[] targetIds;
    final String[] targetNames;
    final long submitNs;

    int state = BEGIN;
    int tensorIndex;
    long tensorOffset;
    long lastProgressNs;
    long endSentNs;
    long[] expectedIds;
    String[] expectedNames;
    TransferStatus[] answers;
    int answered;

    /**
     * @param handle the caller's handle
     * @param names tensor names in sending order
     * @param memory each tensor's memory, in the same order
     * @param owned tensors this batch owns (host copies made for it), closed once sent; may be
     *     empty
     * @param beginFrame the encoded begin frame
     * @param endFrame the end frame, header and count written; the agent fills in the CRCs
     * @param targetIds receivers the batch is for, or null for all known
     * @param targetNames their names, or null
     */
    public OutgoingBatch(
            BatchSend handle,
            String[] names,
            TensorMemory[] memory,
            Tensor[] owned,
            UnsafeBuffer beginFrame,
            int beginLength,
            UnsafeBuffer endFrame,
            int endLength,
            long[] targetIds,
            String[] targetNames,
            long submitNs) {
        this.handle = handle;
        this.names = names;
        this.memory = memory;
        this.owned = owned;
        this.beginFrame = beginFrame;
        this.beginLength = beginLength;
        this.endFrame = endFrame;
        this.endLength = endLength;
        this.targetIds = targetIds;
        this.targetNames = targetNames;
        this.submitNs = submitNs;
    }

    public BatchSend handle() {
        return handle;
    }

    /** Closes the host copies this batch made. */
    void releaseOwned() {
        for (int i = 0; i < owned.length; i++) {
            if (owned[i] != null) {
                owned[i].close();
                owned[i] = null;
            }
        }
    }
}
