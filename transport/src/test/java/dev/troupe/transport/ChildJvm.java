package dev.troupe.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A second JVM running a test main on this JVM's class path; its output lines are collected for
 * assertions and dumped when a test fails.
 */
final class ChildJvm implements AutoCloseable {
    final String label;
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final PrintWriter stdin;

    private ChildJvm(String label, Process process) {
        this.label = label;
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    process.getInputStream(),
                                                    StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = r.readLine()) != null) {
                                    lines.add(line);
                                }
                            } catch (IOException e) {
                                lines.add("<output closed: " + e + ">");
                            }
                        },
                        "child-output-" + label);
        reader.setDaemon(true);
        reader.start();
    }

    static ChildJvm start(String label, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx512m");
        cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
        cmd.add("-Dorg.bytedeco.javacpp.maxBytes=0");
        cmd.add("--add-opens");
        cmd.add("java.base/sun.nio.ch=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        return new ChildJvm(label, pb.start());
    }

    /** Waits for a line matching {@code p}, failing with the output so far. */
    String await(String what, long timeoutMs, Predicate<String> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            for (String l : lines) {
                if (p.test(l)) {
                    return l;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        label
                                + ": no line "
                                + what
                                + " within "
                                + timeoutMs
                                + " ms; output:\n"
                                + String.join("\n", lines));
            }
            if (!process.isAlive() && lines.stream().noneMatch(p)) {
                Thread.sleep(100);
                if (lines.stream().noneMatch(p)) {
                    throw new AssertionError(
                            label
                                    + " exited ("
                                    + process.exitValue()
                                    + ") before "
                                    + what
                                    + "; output:\n"
                                    + String.join("\n", lines));
                }
            }
            Thread.sleep(10);
        }
    }

    void send(String line) {
        stdin.println(line);
    }

    /** SIGKILL, as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String dump() {
        return "--- " + label + " ---\n" + String.join("\n", lines);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            send("quit");
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
