package dev.troupe.reward.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that run reward code for one reward actor: a bounded pool whose tasks each have a
 * timeout, and which replaces a worker stuck in a task that ran past it.
 *
 * <p>Java cannot kill a thread, so a task that runs past its timeout is handled in three steps:
 *
 * <ol>
 *   <li>its future fails at once with a {@link TimeoutException}, so the caller moves on;
 *   <li>its thread is interrupted, which ends any task that sleeps, waits or does interruptible
 *       I/O;
 *   <li>the thread is counted as stuck and the pool grows by one thread, so the other tasks keep
 *       {@code workers} threads. When the stuck thread finally returns, the pool shrinks back.
 * </ol>
 *
 * <p>A task that ignores interrupts (a busy loop, say) keeps its thread until it returns. At most
 * {@code maxStuckWorkers} stuck threads are replaced; past that, stuck threads eat into the {@code
 * workers} threads, and once every thread is stuck the pool fails queued and new tasks at once with
 * a {@link NoFreeWorkerException} rather than let them wait for ever. It heals as stuck threads
 * return. Threads are daemons, so a stuck one does not keep the JVM alive.
 *
 * <p>This is not a Pekko dispatcher on purpose: a dispatcher hides its threads, so it could neither
 * interrupt the one running a timed-out task reliably nor replace it.
 *
 * <p>A task's timeout starts when a worker picks it up, not when it is queued, so a slow group does
 * not make the samples queued behind it time out.
 */
public final class RewardWorkerPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RewardWorkerPool.class);

    private final String name;
    private final int workers;
    private final int maxStuckWorkers;
    private final ThreadPoolExecutor executor;
    private final ScheduledThreadPoolExecutor watchdog;
    private final Object lock = new Object();
    private int stuck; // guarded by lock
    private boolean closed; // guarded by lock

    /**
     * @param name prefix of the thread names, e.g. {@code troupe-reward-reward1}
     * @param workers threads that run tasks, at least 1
     * @param maxStuckWorkers stuck threads that are replaced, at least 0
     */
    public RewardWorkerPool(String name, int workers, int maxStuckWorkers) {
        if (workers < 1 || maxStuckWorkers < 0) {
            throw new IllegalArgumentException(
                    "need workers >= 1 and maxStuckWorkers >= 0, got "
                            + workers
                            + " and "
                            + maxStuckWorkers);
        }
        this.name = name;
        this.workers = workers;
        this.maxStuckWorkers = maxStuckWorkers;
        // keepAlive 0: a thread above the core size (after a stuck one returned) leaves when idle.
        this.executor =
                new ThreadPoolExecutor(
                        workers,
                        workers,
                        0L,
                        TimeUnit.MILLISECONDS,
                        new LinkedBlockingQueue<>(),
                        daemonThreads(name + "-worker-"));
        this.watchdog = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-watchdog-"));
        this.watchdog.setRemoveOnCancelPolicy(true);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger number = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Runs {@code task} on a worker.
     *
     * @param task the work; its result must not be null
     * @param timeout how long the task may run once a worker has picked it up
     * @return completes with the task's result, or exceptionally with what it threw, a {@link
     *     TimeoutException}, a {@link NoFreeWorkerException}, or a {@link CancellationException}
     *     when the pool is closed; it always completes
     */
    public <T> CompletableFuture<T> submit(Callable<T> task, Duration timeout) {
        Job<T> job = new Job<>(task, timeout.toNanos());
        RuntimeException refusal = null;
        synchronized (lock) {
            if (closed) {
                refusal = new CancellationException("reward worker pool " + name + " is closed");
            } else if (exhausted()) {
                refusal = noFreeWorker();
            } else {
                executor.execute(job);
            }
        }
        if (refusal != null) {
            job.fail(refusal);
        }
        return job.result;
    }

    /** Threads stuck in tasks that timed out and have not returned. */
    public int stuckWorkers() {
        synchronized (lock) {
            return stuck;
        }
    }

    /** Threads that can take a task now or once they finish the one they run. */
    public int healthyWorkers() {
        synchronized (lock) {
            return healthy();
        }
    }

    /** Interrupts running tasks, fails queued ones and stops the threads. */
    @Override
    public void close() {
        List<Runnable> queued;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            queued = executor.shutdownNow();
        }
        watchdog.shutdownNow();
        for (Runnable runnable : queued) {
            ((Job<?>) runnable)
                    .fail(new CancellationException("reward worker pool " + name + " closed"));
        }
    }

    // guarded by lock
    private int healthy() {
        return workers + Math.min(stuck, maxStuckWorkers) - stuck;
    }

    // guarded by lock
    private boolean exhausted() {
        return healthy() <= 0;
    }

    private NoFreeWorkerException noFreeWorker() {
        return new NoFreeWorkerException(
                "every reward worker of "
                        + name
                        + " is stuck in an earlier evaluation that timed out ("
                        + workers
                        + " workers, "
                        + maxStuckWorkers
                        + " replacements allowed by max-stuck-workers)");
    }

    // guarded by lock; grows before shrinking core so that core <= max holds throughout.
    private void resize() {
        int target = workers + Math.min(stuck, maxStuckWorkers);
        int current = executor.getCorePoolSize();
        if (target > current) {
            executor.setMaximumPoolSize(target);
            executor.setCorePoolSize(target);
        } else if (target < current) {
            executor.setCorePoolSize(target);
            executor.setMaximumPoolSize(target);
        }
    }

    /** Counts {@code thread} as stuck; returns whether a fresh thread takes its place. */
    private boolean onStuck(Thread thread) {
        List<Runnable> orphans = new ArrayList<>();
        int stuckNow;
        boolean exhaustedNow;
        synchronized (lock) {
            if (closed) {
                return false;
            }
            stuck++;
            stuckNow = stuck;
            resize();
            exhaustedNow = exhausted();
            if (exhaustedNow) {
                executor.getQueue().drainTo(orphans);
            }
        }
        if (exhaustedNow) {
            LOG.error(
                    "Reward worker {} is stuck; every worker of {} is now stuck ({} stuck), failing"
                            + " {} queued evaluations",
                    thread.getName(),
                    name,
                    stuckNow,
                    orphans.size());
            for (Runnable runnable : orphans) {
                ((Job<?>) runnable).fail(noFreeWorker());
            }
        } else {
            LOG.warn(
                    "Reward worker {} is stuck in an evaluation that timed out and ignored the"
                            + " interrupt so far; {} stuck, {} replaced at most",
                    thread.getName(),
                    stuckNow,
                    maxStuckWorkers);
        }
        return stuckNow <= maxStuckWorkers;
    }

    private void onReturned(Thread thread) {
        synchronized (lock) {
            stuck--;
            if (!closed) {
                resize();
            }
        }
        LOG.info(
                "Reward worker {} returned from an evaluation that had timed out",
                thread.getName());
    }

    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int TIMED_OUT = 2;
    private static final int FINISHED = 3;

    /**
     * One task: its state moves QUEUED -> RUNNING -> (TIMED_OUT ->) FINISHED, under its monitor.
     */
    private final class Job<T> implements Runnable {

        private final Callable<T> task;
        private final long timeoutNanos;
        final CompletableFuture<T> result = new CompletableFuture<>();
        private int state = QUEUED; // guarded by this
        private Thread runner; // guarded by this
        private ScheduledFuture<?> timer; // guarded by this

        Job(Callable<T> task, long timeoutNanos) {
            this.task = task;
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public void run() {
            synchronized (this) {
                if (state != QUEUED) {
                    return;
                }
                state = RUNNING;
                runner = Thread.currentThread();
                try {
                    timer = watchdog.schedule(this::timeOut, timeoutNanos, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    state = FINISHED;
                    runner = null;
                    result.completeExceptionally(
                            new CancellationException("reward worker pool " + name + " closed"));
                    return;
                }
            }
            T value = null;
            Throwable failure = null;
            try {
                value = task.call();
            } catch (Throwable t) {
                // Anything the reward code throws, errors included, belongs to this task only.
                failure = t;
            }
            boolean abandoned;
            Thread thread;
            synchronized (this) {
                abandoned = state == TIMED_OUT;
                state = FINISHED;
                thread = runner;
                runner = null;
                timer.cancel(false);
                // An interrupt aimed at this task must not reach the next one on this thread; none
                // can arrive after this block, since timeOut() interrupts only a RUNNING task.
                Thread.interrupted();
            }
            if (abandoned) {
                onReturned(thread);
            } else if (failure != null) {
                result.completeExceptionally(failure);
            } else if (value == null) {
                result.completeExceptionally(new NullPointerException("reward task returned null"));
            } else {
                result.complete(value);
            }
        }

        private void timeOut() {
            Thread thread;
            synchronized (this) {
                if (state != RUNNING) {
                    return;
                }
                state = TIMED_OUT;
                thread = runner;
                thread.interrupt();
            }
            boolean replaced = onStuck(thread);
            result.completeExceptionally(
                    new TimeoutException(
                            "no result within "
                                    + Duration.ofNanos(timeoutNanos).toMillis()
                                    + " ms; worker "
                                    + thread.getName()
                                    + (replaced
                                            ? " interrupted and replaced"
                                            : " interrupted, not replaced (max-stuck-workers"
                                                    + " reached)")));
        }

        void fail(Throwable failure) {
            synchronized (this) {
                if (state != QUEUED) {
                    return;
                }
                state = FINISHED;
            }
            result.completeExceptionally(failure);
        }
    }
}
