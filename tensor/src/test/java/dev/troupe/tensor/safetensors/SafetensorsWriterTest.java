package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SafetensorsWriter}: atomic replacement, and failures that leave nothing behind. */
class SafetensorsWriterTest {
    @TempDir Path dir;

    static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static void writeFloats(Path file, float... values) {
        try (Tensor t = Tensors.fromFloats(values, values.length)) {
            SafetensorsWriter.write(file, Map.of("w", t), Map.of());
        }
    }

    static float[] readFloats(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file);
                Tensor t = f.load("w")) {
            return Tensors.toFloats(t);
        }
    }

    @Test
    void shouldCreateMissingParentFolders() {
        Path file = dir.resolve("a/b/w.safetensors");
        writeFloats(file, 1, 2);
        assertArrayEquals(new float[] {1, 2}, readFloats(file));
    }

    @Test
    void shouldFailWhenTheParentIsAFileNamingItAndLeaveNothingBehind() throws IOException {
        Path parent = Files.writeString(dir.resolve("notadir"), "x");
        Path file = parent.resolve("w.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> writeFloats(file, 1));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": cannot write"), e.getMessage());
        assertTrue(e.getMessage().contains(parent + " is not a directory"), e.getMessage());
        assertEquals(List.of("notadir"), listing(dir));
        assertEquals("x", Files.readString(parent));
    }

    @Test
    void shouldFailWhenTheTargetIsAFolderAndRemoveItsTempFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("w.safetensors"));
        Files.writeString(target.resolve("keep"), "x");
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> writeFloats(target, 1));
        assertEquals(target, e.file());
        assertTrue(e.getMessage().startsWith(target + ": cannot write"), e.getMessage());
        assertEquals(List.of("w.safetensors"), listing(dir), "no temp file left");
        assertEquals(List.of("keep"), listing(target));
    }

    @Test
    void shouldReplaceAnExistingFileAtomically() throws IOException {
        Path file = dir.resolve("w.safetensors");
        writeFloats(file, 1, 2, 3);
        byte[] before = Files.readAllBytes(file);
        Object inodeBefore = Files.getAttribute(file, "unix:ino");
        try (InputStream oldReader = Files.newInputStream(file)) {
            writeFloats(file, 4, 5);

            // A new file took the name; one opened before still reads the old bytes whole, which an
            // in-place rewrite (truncate, then write) could not give it.
            assertFalse(inodeBefore.equals(Files.getAttribute(file, "unix:ino")));
            assertArrayEquals(before, oldReader.readAllBytes());
        }
        assertArrayEquals(new float[] {4, 5}, readFloats(file));
        assertEquals(List.of("w.safetensors"), listing(dir), "no temp file left");
    }

    @Test
    void shouldRejectTheReservedMetadataNameAndWriteNothing() throws IOException {
        Path file = dir.resolve("w.safetensors");
        try (Tensor t = Tensors.fromFloats(new float[] {1}, 1)) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    SafetensorsWriter.write(
                                            file, Map.of("__metadata__", t), Map.of()));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("'__metadata__' is reserved"), e.getMessage());
        }
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void shouldRejectADtypeSafetensorsCannotHoldNamingTheTensor() throws IOException {
        Path file = dir.resolve("w.safetensors");
        try (Tensor real = Tensors.ones(ComputeDevice.CPU, DType.F32, 2);
                Tensor complex = real.to(torch.ScalarType.ComplexFloat)) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> SafetensorsWriter.write(file, Map.of("z", complex), Map.of()));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("tensor 'z'"), e.getMessage());
        }
        assertEquals(List.of(), listing(dir));
    }
}
