package dev.troupe.tensor;

import org.bytedeco.pytorch.GradMode;

/**
 * Turns autograd recording off on this thread until closed, then restores what was there. A plain
 * Java object rather than libtorch's {@code NoGradGuard}, whose restore would wait for an enclosing
 * {@link org.bytedeco.javacpp.PointerScope} to free it.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean previous;

    public NoGrad() {
        previous = GradMode.is_enabled();
        GradMode.set_enabled(false);
    }

    @Override
    public void close() {
        GradMode.set_enabled(previous);
    }
}
