package dev.troupe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.testkit.RepoPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    @TempDir Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(
                new java.io.PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
        cl.setErr(
                new java.io.PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        cl.setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                    cmd.getErr().println("troupe: " + e.getMessage());
                    return 2;
                });
        int code = cl.execute(args);
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldGenerateGreedilyFromTheFixtureModelAndAdapter() {
        Path model = RepoPaths.fixture("hf", "qwen2");
        Run r =
                run(
                        "generate",
                        "--model",
                        model.toString(),
                        "--adapter",
                        model.resolve("adapter").toString(),
                        "--device",
                        "cpu",
                        "--prompt",
                        "Natalia sold clips",
                        "--prompt",
                        "How many clips?",
                        "--chat",
                        "--max-new-tokens",
                        "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[0] Natalia sold clips"), r.out());
        assertTrue(r.out().contains("[1] How many clips?"), r.out());
        assertTrue(r.out().contains("2 sequences"), r.out());
    }

    @Test
    void shouldDescribeAModel() {
        Run r =
                run(
                        "info",
                        "--model",
                        RepoPaths.fixture("hf", "qwen3_moe").toString(),
                        "--device",
                        "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("qwen3_moe") && r.out().contains("parameters:"), r.out());
    }

    @Test
    void shouldMergeAnAdapterIntoALoadableCheckpoint() {
        Path model = RepoPaths.fixture("hf", "mistral");
        Path out = tmp.resolve("merged");
        Run r =
                run(
                        "merge",
                        "--model",
                        model.toString(),
                        "--adapter",
                        model.resolve("adapter").toString(),
                        "--out",
                        out.toString(),
                        "--device",
                        "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(
                Files.exists(out.resolve("model.safetensors"))
                        && Files.exists(out.resolve("config.json")));
        assertEquals(0, run("info", "--model", out.toString(), "--device", "cpu").code());
    }

    @Test
    void shouldReportABadModelFolderInOneLine() {
        Run r = run("info", "--model", tmp.resolve("nothing").toString(), "--device", "cpu");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("troupe: ") && r.err().contains("config.json"), r.err());
        assertTrue(!r.err().contains("\tat "), "stack trace printed: " + r.err());
    }

    @Test
    void shouldRejectABadDeviceNamingTheValidOnes() {
        Run r =
                run(
                        "info",
                        "--model",
                        RepoPaths.fixture("hf", "qwen2").toString(),
                        "--device",
                        "tpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("cpu, cuda, cuda:N, auto"), r.err());
    }
}
