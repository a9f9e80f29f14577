package dev.troupe.transport;

import java.util.concurrent.CompletableFuture;

/**
 * One version published by a {@link TensorSetPublisher}.
 *
 * @param version the version
 * @param bytes tensor bytes of the set
 * @param send the underlying batch: {@code send().delivered()} completes when every subscriber
 *     known at publish time has the version complete and visible, with the time that took
 */
public record SetPublication(long version, long bytes, BatchSend send) {

    /** Every subscriber known at publish time holds this version; fails naming those that don't. */
    public CompletableFuture<BatchDelivery> delivered() {
        return send.delivered();
    }
}
