package dev.troupe.coordinator;

import dev.troupe.model.Folders;
import dev.troupe.proto.v1.CoordinatorState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The run's checkpoints under {@code DIR/checkpoints}: each is a folder {@code <phase>-<step>}
 * holding the learner's part ({@code adapter/}, {@code optimizer.safetensors}) and the
 * coordinator's state ({@code coordinator.pb}). A checkpoint is written into a hidden staging
 * folder and renamed into place, then {@code latest} (a one-line file naming it) is replaced
 * atomically, so a crash at any point leaves the previous checkpoint as the latest whole one.
 */
final class CheckpointStore {
    static final String STATE_FILE = "coordinator.pb";
    static final String LATEST = "latest";

    private final Path root;
    private final int keep;

    CheckpointStore(Path runDir, int keep) {
        this.root = runDir.resolve("checkpoints");
        this.keep = keep;
    }

    /** A fresh, empty staging folder for a checkpoint. */
    Path staging() {
        try {
            Files.createDirectories(root);
            Path dir = root.resolve(".staging");
            Folders.deleteTree(dir);
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a checkpoint folder under " + root, e);
        }
    }

    /** Completes a staged checkpoint: writes the state, renames it into place, updates latest. */
    Path commit(Path staging, CoordinatorState state) {
        String name = state.getPhase() + "-" + String.format("%06d", state.getStep());
        Path dir = root.resolve(name);
        try {
            Files.write(staging.resolve(STATE_FILE), state.toByteArray());
            Folders.deleteTree(dir);
            Files.move(staging, dir);
            Path tmp = root.resolve(".latest.tmp");
            Files.writeString(tmp, name + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(
                        tmp,
                        root.resolve(LATEST),
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, root.resolve(LATEST), StandardCopyOption.REPLACE_EXISTING);
            }
            prune(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir, e);
        }
        return dir;
    }

    private void prune(String latest) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> p.getFileName().toString().matches("(sft|grpo)-\\d+")).forEach(all::add);
        }
        // Newest first: grpo after sft, then by step.
        all.sort(
                Comparator.comparing((Path p) -> p.getFileName().toString().startsWith("grpo"))
                        .thenComparing(p -> p.getFileName().toString())
                        .reversed());
        for (int i = keep; i < all.size(); i++) {
            if (!all.get(i).getFileName().toString().equals(latest)) {
                Folders.deleteTree(all.get(i));
            }
        }
    }

    /** A checkpoint read back. */
    record Loaded(Path dir, CoordinatorState state) {}

    /** The latest whole checkpoint, if any; fails naming the file when one is malformed. */
    Optional<Loaded> latest() {
        Path pointer = root.resolve(LATEST);
        if (!Files.exists(pointer)) {
            return Optional.empty();
        }
        try {
            String name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
            if (!name.matches("(sft|grpo)-\\d+")) {
                throw new IllegalArgumentException(
                        pointer + ": does not name a checkpoint folder: '" + name + "'");
            }
            Path dir = root.resolve(name);
            Path stateFile = dir.resolve(STATE_FILE);
            if (!Files.isRegularFile(stateFile)) {
                throw new IllegalArgumentException(stateFile + ": missing");
            }
            CoordinatorState state;
            try {
                state = CoordinatorState.parseFrom(Files.readAllBytes(stateFile));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(
                        stateFile + ": not a coordinator state (" + e.getMessage() + ")", e);
            }
            return Optional.of(new Loaded(dir, state));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + pointer, e);
        }
    }

    /**
     * The model a checkpoint belongs to: SHA-256 over config.json and, for each safetensors file,
     * its name, size and first and last 64 KiB (its header and some weights: cheap for a large
     * model, and two models that differ only in their weights still differ).
     */
    static String fingerprint(Path modelDir) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(Files.readAllBytes(modelDir.resolve("config.json")));
            List<Path> weights = new ArrayList<>();
            try (Stream<Path> s = Files.list(modelDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                        .sorted()
                        .forEach(weights::add);
            }
            for (Path w : weights) {
                d.update(w.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(w)) {
                    long size = ch.size();
                    d.update(Long.toString(size).getBytes(StandardCharsets.UTF_8));
                    int chunk = 64 * 1024;
                    for (long at : new long[] {0, Math.max(0, size - chunk)}) {
                        java.nio.ByteBuffer b =
                                java.nio.ByteBuffer.allocate((int) Math.min(chunk, size));
                        ch.read(b, at);
                        b.flip();
                        d.update(b);
                    }
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model in " + modelDir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
