package dev.troupe.coordinator.metrics;

/** How progress shows on the terminal ({@code troupe.metrics.progress}). */
public enum ProgressMode {
    /** {@link #LINE} when stdout is a terminal, {@link #PLAIN} otherwise. */
    AUTO,
    /** One line redrawn in place with a carriage return. */
    LINE,
    /** A new line per step, nothing but printable text: for logs and pipes. */
    PLAIN,
    /** Nothing. */
    OFF
}
