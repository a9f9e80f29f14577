package dev.troupe.transport;

import java.util.concurrent.CompletableFuture;

/**
 * One batch handed to a {@link TensorSender}. Its futures complete on the sender's agent thread:
 * keep callbacks short, or use the {@code *Async} variants (an actor uses {@code pipeToSelf}).
 */
public final class BatchSend {
    private final String batchName;
    private final long version;
    private final long correlationId;
    private final long bytes;
    private final CompletableFuture<Void> sent = new CompletableFuture<>();
    private final CompletableFuture<BatchDelivery> delivered = new CompletableFuture<>();

    public BatchSend(String batchName, long version, long correlationId, long bytes) {
        this.batchName = batchName;
        this.version = version;
        this.correlationId = correlationId;
        this.bytes = bytes;
    }

    public String batchName() {
        return batchName;
    }

    public long version() {
        return version;
    }

    public long correlationId() {
        return correlationId;
    }

    /** Tensor bytes of the batch. */
    public long bytes() {
        return bytes;
    }

    /**
     * Completes when every frame of the batch is in the publication's log: from then on the source
     * tensors may change. Fails with a {@link TransportException} when the batch could not be sent
     * (no progress within the send timeout, a closed publication), naming stream and receivers.
     */
    public CompletableFuture<Void> sent() {
        return sent;
    }

    /**
     * Completes when every receiver the batch was for has applied it. Fails with a {@link
     * TransportException} naming each receiver that dropped it (with its status) or did not answer
     * within the acknowledgement timeout. A batch sent when no receiver had announced itself
     * completes at once with no receivers.
     */
    public CompletableFuture<BatchDelivery> delivered() {
        return delivered;
    }
}
