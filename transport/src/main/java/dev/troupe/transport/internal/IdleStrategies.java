package dev.troupe.transport.internal;

import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/** The idle strategy named by {@code troupe.transport.idle-strategy}. */
public final class IdleStrategies {
    private IdleStrategies() {}

    public static IdleStrategy of(String name) {
        return switch (name) {
            case "backoff" ->
                    new BackoffIdleStrategy(
                            100,
                            10,
                            TimeUnit.MICROSECONDS.toNanos(1),
                            TimeUnit.MILLISECONDS.toNanos(1));
            case "parking" ->
                    new BackoffIdleStrategy(
                            1,
                            1,
                            TimeUnit.MICROSECONDS.toNanos(1),
                            TimeUnit.MICROSECONDS.toNanos(250));
            case "yielding" -> new YieldingIdleStrategy();
            case "sleeping" -> new SleepingMillisIdleStrategy(1);
            case "busy-spin" -> new BusySpinIdleStrategy();
            default ->
                    throw new IllegalArgumentException(
                            "troupe.transport.idle-strategy: unknown '" + name + "'");
        };
    }
}
