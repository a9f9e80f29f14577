package dev.troupe.coordinator.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The metrics outputs of one run directory, written together each step: {@code DIR/metrics.jsonl},
 * TensorBoard event files in {@code DIR} (if configured), the progress line, and at the end {@code
 * DIR/summary.json}.
 */
public final class RunMetrics implements AutoCloseable {
    private final Path dir;
    private final MetricsJsonlWriter jsonl;
    private final Optional<TensorBoardWriter> tensorBoard;
    private final ProgressLine progress;

    private RunMetrics(
            Path dir,
            MetricsJsonlWriter jsonl,
            Optional<TensorBoardWriter> tensorBoard,
            ProgressLine progress) {
        this.dir = dir;
        this.jsonl = jsonl;
        this.tensorBoard = tensorBoard;
        this.progress = progress;
    }

    /**
     * Starts the outputs of a new run whose steps are 1 to {@code totalSteps}; fails if {@code dir}
     * holds another run's metrics.
     */
    public static RunMetrics start(Path dir, MetricsConfig config, long totalSteps)
            throws IOException {
        Files.createDirectories(dir);
        MetricsJsonlWriter jsonl =
                MetricsJsonlWriter.create(dir.resolve(MetricsJsonlWriter.FILE_NAME));
        try {
            Optional<TensorBoardWriter> tb =
                    config.tensorboard()
                            ? Optional.of(TensorBoardWriter.create(dir))
                            : Optional.empty();
            return new RunMetrics(
                    dir, jsonl, tb, ProgressLine.forStdout(config.progress(), totalSteps, 1));
        } catch (IOException | RuntimeException e) {
            jsonl.close();
            throw e;
        }
    }

    /**
     * Reopens the outputs of a run resumed from the checkpoint of step {@code lastStep}: what was
     * written for later steps is cut, so the resumed steps are not there twice.
     */
    public static RunMetrics resume(Path dir, MetricsConfig config, long totalSteps, long lastStep)
            throws IOException {
        Files.createDirectories(dir);
        MetricsJsonlWriter jsonl =
                MetricsJsonlWriter.resume(dir.resolve(MetricsJsonlWriter.FILE_NAME), lastStep);
        try {
            Optional<TensorBoardWriter> tb =
                    config.tensorboard()
                            ? Optional.of(TensorBoardWriter.resume(dir, lastStep))
                            : Optional.empty();
            return new RunMetrics(
                    dir,
                    jsonl,
                    tb,
                    ProgressLine.forStdout(config.progress(), totalSteps, lastStep + 1));
        } catch (IOException | RuntimeException e) {
            jsonl.close();
            throw e;
        }
    }

    /** The JSONL writer (for {@link MetricsJsonlWriter#droppedLines()} after a resume). */
    public MetricsJsonlWriter jsonl() {
        return jsonl;
    }

    /** Writes one step everywhere. */
    public void record(StepMetrics metrics) throws IOException {
        jsonl.write(metrics);
        if (tensorBoard.isPresent()) {
            tensorBoard.get().write(metrics);
        }
        progress.update(metrics);
    }

    /** Ends the progress line and writes {@code DIR/summary.json}. */
    public void finish(RunSummary summary) throws IOException {
        progress.finish();
        summary.write(dir.resolve(RunSummary.FILE_NAME));
    }

    @Override
    public void close() throws IOException {
        progress.finish();
        try {
            jsonl.close();
        } finally {
            if (tensorBoard.isPresent()) {
                tensorBoard.get().close();
            }
        }
    }
}
