package dev.troupe.reward.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RewardWorkerPoolTest {

    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Duration LONG = Duration.ofSeconds(20);

    private final CountDownLatch release = new CountDownLatch(1);
    private RewardWorkerPool pool;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (pool != null) {
            pool.close();
        }
    }

    /** A task that waits for {@link #release}, ignoring interrupts, as a busy loop would. */
    private String hang() {
        boolean interrupted = false;
        while (true) {
            try {
                release.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted ? "interrupted, ignored" : "released";
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        Throwable failure = future.handle((value, thrown) -> thrown).get(10, TimeUnit.SECONDS);
        assertNotNull(failure, "expected the task to fail");
        return failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }

    @Test
    void shouldReturnResultsAndFailuresOfTasks() throws Exception {
        pool = new RewardWorkerPool("test", 2, 1);
        assertEquals("ok", pool.submit(() -> "ok", LONG).get(10, TimeUnit.SECONDS));
        Throwable thrown =
                failureOf(
                        pool.submit(
                                () -> {
                                    throw new IllegalStateException("boom");
                                },
                                LONG));
        assertInstanceOf(IllegalStateException.class, thrown);
        assertInstanceOf(NullPointerException.class, failureOf(pool.submit(() -> null, LONG)));
    }

    @Test
    void shouldTimeOutAndInterruptSleepingTask() throws Exception {
        pool = new RewardWorkerPool("test", 1, 1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CompletableFuture<String> sleeping =
                pool.submit(
                        () -> {
                            try {
                                Thread.sleep(60_000);
                                return "woke";
                            } catch (InterruptedException e) {
                                interrupted.countDown();
                                throw e;
                            }
                        },
                        SHORT);
        assertInstanceOf(TimeoutException.class, failureOf(sleeping));
        assertTrue(interrupted.await(10, TimeUnit.SECONDS));
        awaitTrue(() -> pool.stuckWorkers() == 0);
        // The interrupt aimed at the timed-out task does not reach the next one on the same thread.
        assertFalse(
                pool.submit(() -> Thread.currentThread().isInterrupted(), LONG)
                        .get(10, TimeUnit.SECONDS));
    }

    @Test
    void shouldReplaceStuckWorkerSoQueuedTasksRun() throws Exception {
        pool = new RewardWorkerPool("test", 1, 1);
        CompletableFuture<String> stuck = pool.submit(this::hang, SHORT);
        CompletableFuture<String> next = pool.submit(() -> "ran", LONG);

        assertInstanceOf(TimeoutException.class, failureOf(stuck));
        assertEquals("ran", next.get(10, TimeUnit.SECONDS));
        assertEquals(1, pool.stuckWorkers());
        assertEquals(1, pool.healthyWorkers());

        release.countDown();
        awaitTrue(() -> pool.stuckWorkers() == 0);
        assertEquals("again", pool.submit(() -> "again", LONG).get(10, TimeUnit.SECONDS));
    }

    @Test
    void shouldFailQueuedAndNewTasksWhenEveryWorkerIsStuckThenHeal() throws Exception {
        pool = new RewardWorkerPool("test", 1, 0);
        CompletableFuture<String> stuck = pool.submit(this::hang, SHORT);
        CompletableFuture<String> queued = pool.submit(() -> "queued", LONG);

        assertInstanceOf(TimeoutException.class, failureOf(stuck));
        assertInstanceOf(NoFreeWorkerException.class, failureOf(queued));
        assertInstanceOf(NoFreeWorkerException.class, failureOf(pool.submit(() -> "new", LONG)));
        assertEquals(0, pool.healthyWorkers());

        release.countDown();
        awaitTrue(() -> pool.healthyWorkers() == 1);
        assertEquals("healed", pool.submit(() -> "healed", LONG).get(10, TimeUnit.SECONDS));
    }

    @Test
    void shouldStartTimeoutWhenWorkerPicksTaskUp() throws Exception {
        pool = new RewardWorkerPool("test", 1, 0);
        Duration timeout = Duration.ofMillis(1000);
        // Each task takes a fifth of the timeout; the last ones start after the timeout has passed
        // since they were queued, and must still succeed.
        CompletableFuture<?>[] tasks = new CompletableFuture<?>[7];
        for (int i = 0; i < tasks.length; i++) {
            int index = i;
            tasks[i] =
                    pool.submit(
                            () -> {
                                Thread.sleep(200);
                                return index;
                            },
                            timeout);
        }
        for (int i = 0; i < tasks.length; i++) {
            assertEquals(i, tasks[i].get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void shouldFailQueuedTasksWhenClosed() throws Exception {
        pool = new RewardWorkerPool("test", 1, 0);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> running =
                pool.submit(
                        () -> {
                            started.countDown();
                            return hang();
                        },
                        LONG);
        CompletableFuture<String> queued = pool.submit(() -> "queued", LONG);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        pool.close();
        assertInstanceOf(CancellationException.class, failureOf(queued));
        assertInstanceOf(CancellationException.class, failureOf(pool.submit(() -> "late", LONG)));
        release.countDown();
        assertEquals("interrupted, ignored", running.get(10, TimeUnit.SECONDS));
    }
}
