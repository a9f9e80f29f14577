package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bad safetensors file fails at {@link SafetensorsFile#open} with a {@link CheckpointException}
 * that names the file and says what is wrong.
 */
class SafetensorsFileValidationTest {
    @TempDir Path dir;

    /** Opens {@code file}, expecting it to be refused with every phrase in the message. */
    static CheckpointException assertRejected(Path file, String... phrases) {
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file).close());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        for (String phrase : phrases) {
            assertTrue(e.getMessage().contains(phrase), "'" + phrase + "' in " + e.getMessage());
        }
        return e;
    }

    /** A file with one tensor entry {@code "w": entryJson} and {@code dataBytes} of data. */
    Path withEntry(String entryJson, int dataBytes) {
        return HandMadeFiles.withHeader(
                dir.resolve("bad.safetensors"), "{\"w\":" + entryJson + "}", dataBytes);
    }

    @Test
    void shouldAcceptTheHandMadeBaseline() {
        String entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        Path file = withEntry(entry, 8);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(8, f.entry("w").lengthBytes());
            assertEquals(8 + "{\"w\":}".length() + entry.length(), f.entry("w").dataStartBytes());
        }
    }

    @Test
    void shouldRejectMissingFileNamingIt() {
        assertRejected(dir.resolve("nope.safetensors"), "no such file");
    }

    @Test
    void shouldRejectADirectoryNamingIt() {
        assertRejected(dir, "not a regular file");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void shouldRejectFileShorterThanTheHeaderLength(int length) {
        Path file = HandMadeFiles.write(dir.resolve("short.safetensors"), new byte[length]);
        assertRejected(file, "file is " + length + " bytes", "shorter than the 8-byte header");
    }

    @Test
    void shouldRejectHeaderLengthZero() {
        Path file = HandMadeFiles.withHeaderLength(dir.resolve("zero.safetensors"), 0, new byte[8]);
        assertRejected(file, "header length 0 is outside 1..");
    }

    @Test
    void shouldRejectAbsurdlyLargeHeaderLength() {
        long tooBig = SafetensorsFile.MAX_HEADER_BYTES + 1;
        Path file =
                HandMadeFiles.withHeaderLength(dir.resolve("big.safetensors"), tooBig, new byte[8]);
        assertRejected(file, "header length " + tooBig + " is outside", "not a safetensors file?");
    }

    @Test
    void shouldRejectHeaderLengthThatIsNegativeAsASignedNumber() {
        Path file = HandMadeFiles.withHeaderLength(dir.resolve("neg.safetensors"), -1, new byte[8]);
        assertRejected(file, "header length 18446744073709551615 is outside");
    }

    @Test
    void shouldRejectHeaderLengthPastEndOfFileAsTruncated() {
        Path file =
                HandMadeFiles.withHeaderLength(
                        dir.resolve("cut.safetensors"), 100, "{\"a\":".getBytes());
        assertRejected(file, "header length 100 runs past the end of the file (13 bytes)");
    }

    @Test
    void shouldRejectHeaderThatIsNotJson() {
        Path file = HandMadeFiles.withHeader(dir.resolve("garbage.safetensors"), "{w: nope", 0);
        assertRejected(file, "header is not valid JSON");
    }

    @Test
    void shouldRejectHeaderThatIsAJsonArray() {
        Path file = HandMadeFiles.withHeader(dir.resolve("array.safetensors"), "[1, 2]", 0);
        assertRejected(file, "header is not a JSON object");
    }

    @Test
    void shouldRejectHeaderWithTrailingGarbageAfterTheObject() {
        Path file = HandMadeFiles.withHeader(dir.resolve("trailing.safetensors"), "{} {}", 0);
        assertRejected(file, "header is not valid JSON");
    }

    @Test
    void shouldRejectMetadataThatIsNotAnObject() {
        Path file =
                HandMadeFiles.withHeader(
                        dir.resolve("meta.safetensors"), "{\"__metadata__\":[\"pt\"]}", 0);
        assertRejected(file, "__metadata__ is not a JSON object");
    }

    @Test
    void shouldRejectMetadataWithANonStringValue() {
        Path file =
                HandMadeFiles.withHeader(
                        dir.resolve("meta.safetensors"),
                        "{\"__metadata__\":{\"format\":\"pt\",\"step\":12}}",
                        0);
        assertRejected(file, "__metadata__ value of 'step' is not a string");
    }

    @Test
    void shouldRejectEntryThatIsNotAnObject() {
        assertRejected(withEntry("[\"F32\"]", 0), "tensor 'w'", "not a JSON object");
    }

    @Test
    void shouldRejectMissingDtype() {
        assertRejected(
                withEntry("{\"shape\":[2],\"data_offsets\":[0,8]}", 8),
                "tensor 'w'",
                "missing string field 'dtype'");
    }

    @Test
    void shouldRejectUnknownDtypeListingTheValidOnes() {
        assertRejected(
                withEntry("{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}", 2),
                "tensor 'w'",
                "unknown dtype 'F8_E4M3'",
                "valid: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
    }

    @Test
    void shouldRejectMissingShape() {
        assertRejected(
                withEntry("{\"dtype\":\"F32\",\"data_offsets\":[0,8]}", 8),
                "tensor 'w'",
                "missing array field 'shape'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "1.5", "2.0", "\"2\"", "null", "[2]", "1e3"})
    void shouldRejectShapeWithANegativeOrNonIntegerDimension(String dim) {
        assertRejected(
                withEntry(
                        "{\"dtype\":\"F32\",\"shape\":[1," + dim + "],\"data_offsets\":[0,8]}", 8),
                "tensor 'w'",
                "shape [1,",
                "has a bad dimension");
    }

    @Test
    void shouldRejectShapeWhoseElementCountOverflows() {
        assertRejected(
                withEntry(
                        "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                                + "\"data_offsets\":[0,8]}",
                        8),
                "tensor 'w'",
                "too many elements");
    }

    @Test
    void shouldRejectShapeWhoseByteCountOverflows() {
        assertRejected(
                withEntry(
                        "{\"dtype\":\"F64\",\"shape\":[2305843009213693952],"
                                + "\"data_offsets\":[0,8]}",
                        8),
                "tensor 'w'",
                "too many elements");
    }

    @Test
    void shouldRejectMissingDataOffsets() {
        assertRejected(
                withEntry("{\"dtype\":\"F32\",\"shape\":[2]}", 8),
                "tensor 'w'",
                "'data_offsets' must be an array of two integers");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "[0]",
                "[0,8,16]",
                "[0,\"8\"]",
                "[0,8.5]",
                "{\"begin\":0}",
                "8",
                "[0,18446744073709551624]"
            })
    void shouldRejectDataOffsetsThatAreNotTwoIntegers(String offsets) {
        assertRejected(
                withEntry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + offsets + "}", 8),
                "tensor 'w'",
                "'data_offsets' must be an array of two integers");
    }

    @Test
    void shouldRejectReversedDataOffsets() {
        assertRejected(
                withEntry("{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}", 8),
                "tensor 'w'",
                "data_offsets [8, 0] are not ordered");
    }

    @Test
    void shouldRejectNegativeDataOffsets() {
        assertRejected(
                withEntry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}", 8),
                "tensor 'w'",
                "data_offsets [-8, 0] are not ordered");
    }

    @Test
    void shouldRejectByteSizeThatDoesNotMatchDtypeAndShape() {
        assertRejected(
                withEntry("{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}", 16),
                "tensor 'w'",
                "data_offsets [0, 12] hold 12 bytes but dtype F32 and shape [2,2] need 16");
    }

    @Test
    void shouldRejectTruncatedDataNamingTheFile() {
        Path file = dir.resolve("cut.safetensors");
        try (Tensor t = Tensors.fromFloats(new float[] {1, 2, 3, 4}, 4)) {
            SafetensorsWriter.write(file, Map.of("w", t), Map.of());
        }
        truncateBy(file, 3);
        assertRejected(
                file,
                "tensor 'w'",
                "data ends at byte 16 of the data section",
                "only 13 bytes there: truncated");
    }

    @Test
    void shouldRejectTwoTensorsThatOverlap() {
        Path file =
                HandMadeFiles.withHeader(
                        dir.resolve("overlap.safetensors"),
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                        12);
        assertRejected(file, "tensors 'a' and 'b' overlap");
    }

    @Test
    void shouldRejectOverlapHiddenBehindAnEmptyTensor() {
        // Sorted by start: a [0, 8), e [4, 4), b [4, 8). Only a and b share bytes.
        Path file =
                HandMadeFiles.withHeader(
                        dir.resolve("overlap.safetensors"),
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        8);
        assertRejected(file, "tensors 'a' and 'b' overlap");
    }

    @Test
    void shouldRejectATensorInsideAnotherThatIsNotItsNeighbour() {
        // Sorted by start: a [0, 16), b [4, 8), c [8, 12): c lies inside a.
        Path file =
                HandMadeFiles.withHeader(
                        dir.resolve("overlap.safetensors"),
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                                + "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                        16);
        assertRejected(file, "tensors 'a' and 'b' overlap");
    }

    @Test
    void shouldAcceptAdjacentTensorsAndEmptyOnesAtTheBoundary() {
        Path file =
                HandMadeFiles.withHeader(
                        dir.resolve("adjacent.safetensors"),
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                                + "\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[8,9]}}",
                        9);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(3, f.names().size());
        }
    }

    @Test
    void shouldRejectAskingForATensorThatDoesNotExist() {
        Path file = withEntry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (var lookup : List.<Consumer<String>>of(f::entry, f::load)) {
                CheckpointException e =
                        assertThrows(CheckpointException.class, () -> lookup.accept("v"));
                assertEquals(file + ": no tensor named 'v'", e.getMessage());
            }
        }
    }

    static void truncateBy(Path file, long bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(file) - bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
