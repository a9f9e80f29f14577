package dev.troupe.transport;

import dev.troupe.proto.v1.TensorHeader;
import java.util.List;

/**
 * What a receiver learns about a batch from its begin frame (and, once complete, its end frame).
 *
 * @param batchName what the batch is
 * @param version its version
 * @param correlationId links its frames and the acknowledgement
 * @param senderName the sender's name
 * @param tensors one header per tensor in sending order; {@code crc32c} is 0 until the batch is
 *     complete, then the CRC32C of the bytes received (which matched the sender's)
 */
public record BatchDescriptor(
        String batchName,
        long version,
        long correlationId,
        String senderName,
        List<TensorHeader> tensors) {

    public long totalBytes() {
        long n = 0;
        for (TensorHeader h : tensors) {
            n += h.getLengthBytes();
        }
        return n;
    }
}
