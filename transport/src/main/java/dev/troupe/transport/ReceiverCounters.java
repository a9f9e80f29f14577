package dev.troupe.transport;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a receiver applied and what it dropped, by reason. Written by the receiver's agent thread,
 * readable from any thread. A dropped batch or frame is always counted here, never lost silently.
 */
public final class ReceiverCounters {
    private final AtomicLongArray discards = new AtomicLongArray(TransferStatus.values().length);
    private final AtomicLongArray totals = new AtomicLongArray(3);

    private static final int BATCHES_APPLIED = 0;
    private static final int BYTES_APPLIED = 1;
    private static final int FRAMES_RECEIVED = 2;

    /** Counts one dropped batch or frame. */
    public void discarded(TransferStatus why) {
        discards.incrementAndGet(why.ordinal());
    }

    public void applied(long bytes) {
        totals.incrementAndGet(BATCHES_APPLIED);
        totals.addAndGet(BYTES_APPLIED, bytes);
    }

    public void frameReceived() {
        totals.lazySet(FRAMES_RECEIVED, totals.get(FRAMES_RECEIVED) + 1);
    }

    /** Batches or frames dropped for {@code why}. */
    public long discards(TransferStatus why) {
        return discards.get(why.ordinal());
    }

    /** Everything dropped, of any reason. */
    public long totalDiscards() {
        long n = 0;
        for (int i = 0; i < discards.length(); i++) {
            n += discards.get(i);
        }
        return n;
    }

    public long batchesApplied() {
        return totals.get(BATCHES_APPLIED);
    }

    public long bytesApplied() {
        return totals.get(BYTES_APPLIED);
    }

    public long framesReceived() {
        return totals.get(FRAMES_RECEIVED);
    }

    /** The non-zero discard counts, for logs and failure dumps. */
    public Map<TransferStatus, Long> discardsByStatus() {
        Map<TransferStatus, Long> out = new EnumMap<>(TransferStatus.class);
        for (TransferStatus s : TransferStatus.values()) {
            long n = discards(s);
            if (n > 0) {
                out.put(s, n);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "applied "
                + batchesApplied()
                + " batches ("
                + bytesApplied()
                + " bytes), frames "
                + framesReceived()
                + ", discards "
                + discardsByStatus();
    }
}
