package dev.troupe.transport;

/**
 * Events of a {@link TensorSender}, called on its agent thread: keep them short and never block
 * (hand them to an actor with {@code tell}).
 */
public interface SenderListener {
    /** A receiver announced itself (on start, periodically, or asking for the current batch). */
    default void onHello(
            String receiverName, long receiverId, String batchName, long haveVersion) {}

    /** A receiver answered a batch: applied ({@link TransferStatus#OK}) or dropped, and why. */
    default void onAck(
            String receiverName,
            String batchName,
            long version,
            TransferStatus status,
            long elapsedNs) {}

    /** A receiver was forgotten: not heard from within the receiver timeout. */
    default void onReceiverLost(String receiverName) {}

    SenderListener NONE = new SenderListener() {};
}
