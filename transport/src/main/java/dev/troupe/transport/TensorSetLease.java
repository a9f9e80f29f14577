package dev.troupe.transport;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A consumer's hold on one complete version of a tensor set (e.g. the adapter a rollout generates
 * one batch with). The tensors do not change while the lease is open; close it when the batch is
 * done, so the buffer can take a later version. Not for use after close.
 */
public final class TensorSetLease implements AutoCloseable {
    private final long version;
    private final Map<String, Tensor> tensors;
    private final Runnable release;
    private boolean closed;

    TensorSetLease(long version, Map<String, Tensor> tensors, Runnable release) {
        this.version = version;
        this.tensors = tensors;
        this.release = release;
    }

    /** The version these tensors are, exactly. */
    public long version() {
        return version;
    }

    /** The tensors by name, in layout order (read-only; owned by the subscriber). */
    public Map<String, Tensor> tensors() {
        check();
        return tensors;
    }

    /** One tensor; throws naming it if the set has none of that name. */
    public Tensor tensor(String name) {
        check();
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                    "tensor set v" + version + " has no tensor '" + name + "'");
        }
        return t;
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("lease of v" + version + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
