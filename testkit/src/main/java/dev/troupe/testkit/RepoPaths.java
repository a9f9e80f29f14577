package dev.troupe.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root and its shared test fixtures, from any module's working directory. */
public final class RepoPaths {
    private RepoPaths() {}

    /**
     * The repository root: the nearest parent folder holding the parent {@code pom.xml} and {@code
     * fixtures/}.
     */
    public static Path root() {
        String configured = System.getProperty("troupe.repo.root");
        if (configured != null && Files.isDirectory(Path.of(configured, "fixtures"))) {
            return Path.of(configured).toAbsolutePath();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("fixtures"))
                    && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(
                "cannot find the repository root (a folder with pom.xml and fixtures/) above "
                        + Path.of("").toAbsolutePath());
    }

    /** A folder under {@code fixtures/}, e.g. {@code fixture("hf", "qwen2")}. */
    public static Path fixture(String first, String... more) {
        return root().resolve("fixtures").resolve(Path.of(first, more));
    }
}
