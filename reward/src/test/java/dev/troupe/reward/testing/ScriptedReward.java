package dev.troupe.reward.testing;

import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;
import dev.troupe.reward.SampleId;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A reward whose behaviour the completion text chooses, for actor tests:
 *
 * <ul>
 *   <li>{@code score:X} returns X;
 *   <li>{@code throw} throws an {@link IllegalStateException} "scripted failure";
 *   <li>{@code sleep} sleeps a minute (interruptibly);
 *   <li>{@code hang} waits, ignoring interrupts, until {@link #releaseHung()};
 *   <li>{@code nan} returns NaN; {@code null} returns null;
 *   <li>{@code flaky:X} throws the first time it sees a sample id, then returns X.
 * </ul>
 */
public final class ScriptedReward implements RewardFunction {

    private static volatile CountDownLatch hung = new CountDownLatch(1);

    private final Set<SampleId> seen = ConcurrentHashMap.newKeySet();

    /** Lets every {@code hang} evaluation return; later ones hang again. */
    public static void releaseHung() {
        CountDownLatch current = hung;
        hung = new CountDownLatch(1);
        current.countDown();
    }

    @Override
    public RewardResult score(RewardInput input) {
        String script = input.completion();
        if (script.startsWith("score:")) {
            return RewardResult.of(
                    Double.parseDouble(script.substring(6)), Map.of("script", script));
        }
        if (script.startsWith("flaky:")) {
            if (seen.add(input.sampleId())) {
                throw new IllegalStateException("flaky first attempt");
            }
            return RewardResult.of(Double.parseDouble(script.substring(6)));
        }
        switch (script) {
            case "throw":
                throw new IllegalStateException("scripted failure");
            case "sleep":
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                return RewardResult.of(0.0);
            case "hang":
                CountDownLatch latch = hung;
                boolean released = false;
                while (!released) {
                    try {
                        latch.await();
                        released = true;
                    } catch (InterruptedException ignored) {
                        // A reward that ignores interrupts, as a busy loop would.
                    }
                }
                return RewardResult.of(0.0);
            case "nan":
                return RewardResult.of(Double.NaN);
            case "null":
                return null;
            default:
                throw new IllegalArgumentException("unknown script '" + script + "'");
        }
    }
}
