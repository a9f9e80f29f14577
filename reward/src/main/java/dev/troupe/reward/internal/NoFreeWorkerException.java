package dev.troupe.reward.internal;

/** No reward worker can take a task: every one is stuck in an earlier task that timed out. */
public final class NoFreeWorkerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NoFreeWorkerException(String message) {
        super(message);
    }
}
