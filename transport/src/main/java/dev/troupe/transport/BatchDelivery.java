package dev.troupe.transport;

import java.util.Map;

/**
 * A batch that every expected receiver applied.
 *
 * @param batchName what the batch is
 * @param version its version
 * @param bytes tensor bytes in the batch (once, not per receiver)
 * @param receivers the receivers that acknowledged it, by name
 * @param elapsedNs from the send call to the last acknowledgement
 */
public record BatchDelivery(
        String batchName,
        long version,
        long bytes,
        Map<String, TransferStatus> receivers,
        long elapsedNs) {

    public double elapsedSeconds() {
        return elapsedNs / 1e9;
    }
}
