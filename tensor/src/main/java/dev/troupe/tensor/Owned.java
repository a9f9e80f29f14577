package dev.troupe.tensor;

import org.bytedeco.javacpp.Pointer;

/**
 * Ownership of native handles that outlive the {@link org.bytedeco.javacpp.PointerScope} they were
 * made in. A long-lived owner (a model's weights, a KV cache) calls {@link #keep} on what it holds
 * and {@link #release} when it closes: the handle then survives any scope that is open when it is
 * made, and is freed exactly when its owner lets go. Use after release throws a
 * NullPointerException ("This pointer address is NULL").
 */
public final class Owned {
    private Owned() {}

    /** Takes a reference on {@code p} (which may be null) and returns it. */
    public static <P extends Pointer> P keep(P p) {
        if (p != null) {
            p.retainReference();
        }
        return p;
    }

    /** Gives up a reference taken with {@link #keep}; null is ignored. */
    public static void release(Pointer p) {
        if (p != null && !p.isNull()) {
            p.releaseReference();
        }
    }

    /**
     * Hands a handle kept with {@link #keep} over to the innermost open {@link
     * org.bytedeco.javacpp.PointerScope} of this thread, if there is one: the caller's scope then
     * frees it. Without an open scope the caller owns it and must close it. This is how a function
     * that computes inside its own scope returns a result.
     */
    public static <P extends Pointer> P toCaller(P p) {
        org.bytedeco.javacpp.PointerScope scope = org.bytedeco.javacpp.PointerScope.getInnerScope();
        if (scope != null && p != null) {
            scope.attach(p);
            p.releaseReference();
        }
        return p;
    }

    /**
     * Runs {@code body} in a fresh {@link org.bytedeco.javacpp.PointerScope}, frees every handle it
     * made except its result, and hands the result over as {@link #toCaller} does.
     */
    public static <P extends Pointer> P compute(java.util.function.Supplier<P> body) {
        P out;
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            out = keep(body.get());
        }
        return toCaller(out);
    }

    /** {@link #release} on each of {@code ps}. */
    public static void release(Pointer... ps) {
        for (Pointer p : ps) {
            release(p);
        }
    }
}
