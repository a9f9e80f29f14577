package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.troupe.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SafetensorsFile#load} maps the file and hands libtorch the mapped pages: no copy, and the
 * mapping lives exactly as long as libtorch's storage.
 */
class SafetensorsZeroCopyTest {
    static final Path PROC_MAPS = Path.of("/proc/self/maps");

    @TempDir Path dir;
    Path file;
    float[] a = {1f, 2f, 3f, 4f, 5f, 6f};
    float[] b = {-1f, 0.5f};

    @BeforeEach
    void writeFile() {
        file = dir.resolve("w.safetensors");
        try (Tensor ta = Tensors.fromFloats(a, 2, 3);
                Tensor tb = Tensors.fromFloats(b, 2)) {
            SafetensorsWriter.write(file, Map.of("a", ta, "b", tb), Map.of());
        }
    }

    @Test
    void shouldPointTensorDataIntoTheFileMappingNotACopy() throws IOException {
        assumeTrue(Files.isReadable(PROC_MAPS), "needs Linux /proc/self/maps");
        try (SafetensorsFile f = SafetensorsFile.open(file);
                Tensor t = f.load("a")) {
            long address = t.data_ptr().address();
            String region = mappingContaining(address);
            assertTrue(
                    region.endsWith(" " + file.toRealPath()),
                    "data pointer 0x" + Long.toHexString(address) + " lies in " + region);
            assertTrue(region.split("\\s+")[1].startsWith("r-"), "read-only mapping: " + region);
        }
    }

    @Test
    void shouldReadTheBytesOnDisk() {
        byte[] disk = HandMadeFiles.read(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : List.of("a", "b")) {
                TensorEntry e = f.entry(name);
                int start = Math.toIntExact(e.dataStartBytes());
                byte[] onDisk =
                        Arrays.copyOfRange(disk, start, start + Math.toIntExact(e.lengthBytes()));
                try (Tensor t = f.load(name)) {
                    assertArrayEquals(onDisk, Tensors.toBytes(t), name);
                }
            }
            try (Tensor ta = f.load("a");
                    Tensor tb = f.load("b")) {
                assertArrayEquals(a, Tensors.toFloats(ta));
                assertArrayEquals(b, Tensors.toFloats(tb));
            }
        }
    }

    @Test
    void shouldHoldOneMappingPerLoadedTensorUntilItsStorageIsFreed() {
        int before = SafetensorsFile.liveMappings();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor ta = f.load("a");
            assertEquals(before + 1, SafetensorsFile.liveMappings());
            Tensor tb = f.load("b");
            Tensor again = f.load("a");
            assertEquals(before + 3, SafetensorsFile.liveMappings());
            assertNotEquals(ta.data_ptr().address(), again.data_ptr().address());

            // A view shares the storage: closing the first handle frees nothing.
            Tensor view = ta.view(6);
            ta.close();
            assertEquals(before + 3, SafetensorsFile.liveMappings());
            view.close();
            assertEquals(before + 2, SafetensorsFile.liveMappings());
            tb.close();
            again.close();
        }
        assertEquals(before, SafetensorsFile.liveMappings());
    }

    @Test
    void shouldKeepLoadedTensorsReadableAfterTheFileIsClosed() {
        int before = SafetensorsFile.liveMappings();
        Tensor t;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            t = f.load("a");
        }
        // Nothing but libtorch's storage refers to the mapping now; a GC must not unmap it.
        System.gc();
        try {
            assertArrayEquals(a, Tensors.toFloats(t));
            assertEquals(before + 1, SafetensorsFile.liveMappings());
        } finally {
            t.close();
        }
        assertEquals(before, SafetensorsFile.liveMappings());
    }

    @Test
    void shouldRefuseToLoadFromAClosedFileNamingIt() {
        SafetensorsFile f = SafetensorsFile.open(file);
        f.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.load("a"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        // The header stays readable: it was parsed at open.
        assertArrayEquals(new long[] {2, 3}, f.entry("a").shape());
    }

    @Test
    void shouldLoadAnEmptyTensorWithoutAMapping() {
        Path emptyFile = dir.resolve("empty.safetensors");
        try (Tensor t = Tensors.fromFloats(new float[0], 0, 3)) {
            SafetensorsWriter.write(emptyFile, Map.of("e", t), Map.of());
        }
        int before = SafetensorsFile.liveMappings();
        try (SafetensorsFile f = SafetensorsFile.open(emptyFile);
                Tensor t = f.load("e")) {
            assertArrayEquals(new long[] {0, 3}, Tensors.shape(t));
            assertEquals(before, SafetensorsFile.liveMappings());
        }
    }

    /** The line of /proc/self/maps whose address range holds {@code address}. */
    static String mappingContaining(long address) throws IOException {
        for (String line : Files.readAllLines(PROC_MAPS)) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            if (Long.compareUnsigned(address, start) >= 0
                    && Long.compareUnsigned(address, end) < 0) {
                return line;
            }
        }
        return "no mapping";
    }
}
