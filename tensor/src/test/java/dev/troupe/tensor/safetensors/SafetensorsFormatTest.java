package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.RepoPaths;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte compatibility with the reference implementation (huggingface/safetensors): the layout our
 * writer produces, and a file the reference wrote.
 */
class SafetensorsFormatTest {
    /** bf16 weights written by Python safetensors (see fixtures/hf/VERSIONS.json). */
    static final Path REFERENCE_FILE =
            RepoPaths.fixture("hf", "qwen2").resolve(SafetensorsCheckpoint.SINGLE_FILE);

    @TempDir Path dir;

    @Test
    void shouldWriteLengthThenCompactJsonPaddedWithSpacesThenContiguousData() {
        Path file = dir.resolve("layout.safetensors");
        float[] a = {1f, 2f, 3f};
        byte[] b = {9, 8, 7, 6, 5};
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("a", Tensors.fromFloats(a, 3));
            tensors.put("b", HandMadeFiles.tensorOfBytes(DType.U8, b, 5));
            SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        }
        byte[] bytes = HandMadeFiles.read(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerBytes = buf.getLong(0);
        assertEquals(0, headerBytes % 8, "header length " + headerBytes + " is 8-byte aligned");

        String header = new String(bytes, 8, (int) headerBytes, StandardCharsets.UTF_8);
        String json =
                "{\"__metadata__\":{\"format\":\"pt\"},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                        + "\"b\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[12,17]}}";
        // What serde_json writes in the reference, then the fewest spaces to reach a multiple of 8.
        assertEquals(json + " ".repeat((int) headerBytes - json.length()), header);
        assertTrue(headerBytes - json.length() < 8, "padding of " + (headerBytes - json.length()));

        int dataStart = 8 + (int) headerBytes;
        assertEquals(dataStart + 17, bytes.length, "file ends where the last tensor ends");
        ByteBuffer data =
                ByteBuffer.wrap(bytes, dataStart, 12).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(a, new float[] {data.getFloat(0), data.getFloat(4), data.getFloat(8)});
        assertArrayEquals(b, Arrays.copyOfRange(bytes, dataStart + 12, dataStart + 17));
    }

    @Test
    void shouldReadAFileWrittenByTheReferenceImplementation() {
        byte[] disk = HandMadeFiles.read(REFERENCE_FILE);
        try (SafetensorsFile f = SafetensorsFile.open(REFERENCE_FILE)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertTrue(f.names().contains("model.embed_tokens.weight"), f.names().toString());
            long expectedStart = 0;
            long dataStart = -1;
            for (String name : f.names()) {
                TensorEntry e = f.entry(name);
                assertEquals(DType.BF16, e.dtype(), name);
                if (dataStart < 0) {
                    dataStart = e.dataStartBytes();
                }
                assertEquals(expectedStart, e.dataStartBytes() - dataStart, name + " offset");
                assertEquals(e.numel() * 2, e.lengthBytes(), name);
                expectedStart += e.lengthBytes();
            }
            assertEquals(disk.length, dataStart + expectedStart, "data fills the file");

            TensorEntry embed = f.entry("model.embed_tokens.weight");
            assertArrayEquals(new long[] {320, 64}, embed.shape());
            try (Tensor t = f.load("model.embed_tokens.weight")) {
                assertTrue(DType.same(DType.BF16.scalarType(), t.scalar_type()));
                int start = (int) embed.dataStartBytes();
                assertArrayEquals(
                        Arrays.copyOfRange(disk, start, start + (int) embed.lengthBytes()),
                        Tensors.toBytes(t));
                // bf16 is the top half of an fp32: decode by hand and compare with libtorch.
                float[] converted = Tensors.toFloats(t);
                ByteBuffer raw = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < converted.length; i += 97) {
                    int bits = (raw.getShort(start + 2 * i) & 0xffff) << 16;
                    assertEquals(Float.intBitsToFloat(bits), converted[i], "element " + i);
                }
            }
        }
    }

    @Test
    void shouldReproduceTheReferenceFileByteForByte() {
        Path copy = dir.resolve("copy.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(REFERENCE_FILE);
                PointerScope scope = new PointerScope()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                tensors.put(name, f.load(name));
            }
            SafetensorsWriter.write(copy, tensors, f.metadata());
        }
        assertArrayEquals(HandMadeFiles.read(REFERENCE_FILE), HandMadeFiles.read(copy));
    }
}
