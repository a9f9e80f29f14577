package dev.troupe.transport;

/**
 * A transfer that failed, with the status that says why and a message that names the stream and the
 * peers involved. Futures of the transport complete exceptionally with it.
 */
public final class TransportException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final TransferStatus status;

    public TransportException(TransferStatus status, String message) {
        super(message);
        this.status = status;
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
        this.status = TransferStatus.NOT_SENT;
    }

    public TransferStatus status() {
        return status;
    }
}
