package dev.troupe.tensor.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.PointerConsumer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Reader of one <a href="https://github.com/huggingface/safetensors">safetensors</a> file: an
 * 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
 *
 * <p>Written by hand because the format is small and no maintained Java library maps it into
 * libtorch memory without a copy. Tensors are memory-mapped read-only: loading costs no extra copy,
 * and the pages are the OS page cache's, shared by every process that maps the file. A loaded
 * tensor must therefore never be written in place (that would fault); copy it first ({@code
 * clone()}, or any dtype/device conversion) if it is to change. (Copy-on-write mapping would need
 * the file opened for writing, which read-only checkpoint mounts refuse.) Every header field is
 * validated at {@link #open}, so a bad file fails there, naming itself and the problem.
 */
public final class SafetensorsFile implements TensorSource {

    /** The reference implementation refuses headers above 100 MB; so do we. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Like the reference (serde_json), refuses anything but whitespace after the header object. */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Mappings that libtorch storages point into, keyed by address. A mapping leaves this map (and
     * can be unmapped by the GC) only when libtorch frees the storage and calls {@link #RELEASE}.
     */
    private static final Map<Long, ByteBuffer> LIVE_MAPPINGS = new ConcurrentHashMap<>();

    private static final PointerConsumer RELEASE = newReleaseCallback();

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorEntry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path file,
            FileChannel channel,
            Map<String, TensorEntry> entries,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
        this.metadata = metadata;
    }

    private static PointerConsumer newReleaseCallback() {
        PointerConsumer release =
                new PointerConsumer() {
                    @Override
                    public void call(Pointer data) {
                        LIVE_MAPPINGS.remove(data.address());
                    }
                };
        // Lives for the whole process, whatever PointerScope was open when this class loaded.
        return release.retainReference();
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws CheckpointException naming the file when it is missing, truncated, or its header is
     *     malformed
     */
    public static SafetensorsFile open(Path file) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new CheckpointException(
                    file, "safetensors data is little-endian; this machine is not");
        }
        if (!Files.exists(file)) {
            throw new CheckpointException(file, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "not a regular file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot open: " + e.getMessage(), e);
        }
        try {
            SafetensorsFile f = parse(file, channel);
            channel = null;
            return f;
        } finally {
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    private static SafetensorsFile parse(Path file, FileChannel channel) {
        try {
            long fileBytes = channel.size();
            if (fileBytes < 8) {
                throw new CheckpointException(
                        file,
                        "file is " + fileBytes + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerBytes = lenBuf.getLong(0);
            if (headerBytes <= 0 || headerBytes > MAX_HEADER_BYTES) {
                throw new CheckpointException(
                        file,
                        "header length "
                                + Long.toUnsignedString(headerBytes)
                                + " is outside 1.."
                                + MAX_HEADER_BYTES
                                + " bytes (not a safetensors file?)");
            }
            if (8 + headerBytes > fileBytes) {
                throw new CheckpointException(
                        file,
                        "header length "
                                + headerBytes
                                + " runs past the end of the file ("
                                + fileBytes
                                + " bytes): truncated");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerBytes);
            readFully(channel, headerBuf, 8);
            long dataStart = 8 + headerBytes;
            long dataBytes = fileBytes - dataStart;
            JsonNode header;
            try {
                header = JSON.readTree(headerBuf.array());
            } catch (JsonProcessingException e) {
                throw new CheckpointException(
                        file, "header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (header == null || !header.isObject()) {
                throw new CheckpointException(file, "header is not a JSON object");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorEntry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : header.properties()) {
                if (field.getKey().equals("__metadata__")) {
                    readMetadata(file, field.getValue(), metadata);
                } else {
                    TensorEntry e =
                            readEntry(file, field.getKey(), field.getValue(), dataStart, dataBytes);
                    entries.put(e.name(), e);
                }
            }
            checkNoOverlap(file, entries);
            return new SafetensorsFile(
                    file,
                    channel,
                    Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw new CheckpointException(file, "__metadata__ is not a JSON object");
        }
        node.properties()
                .forEach(
                        m -> {
                            if (!m.getValue().isTextual()) {
                                throw new CheckpointException(
                                        file,
                                        "__metadata__ value of '"
                                                + m.getKey()
                                                + "' is not a string");
                            }
                            out.put(m.getKey(), m.getValue().asText());
                        });
    }

    private static TensorEntry readEntry(
            Path file, String name, JsonNode node, long dataStart, long dataBytes) {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new CheckpointException(file, where + "header entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(file, where + "missing string field 'dtype'");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeNode.asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, where + e.getMessage());
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new CheckpointException(file, where + "missing array field 'shape'");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        long need;
        try {
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!isLong(d) || d.asLong() < 0) {
                    throw new CheckpointException(
                            file, where + "shape " + shapeNode + " has a bad dimension " + d);
                }
                shape[i] = d.asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
            need = Math.multiplyExact(numel, (long) dtype.sizeBytes());
        } catch (ArithmeticException e) {
            throw new CheckpointException(
                    file,
                    where
                            + "shape "
                            + shapeNode
                            + " has too many elements for a 64-bit byte count");
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null
                || !offsets.isArray()
                || offsets.size() != 2
                || !isLong(offsets.get(0))
                || !isLong(offsets.get(1))) {
            throw new CheckpointException(
                    file, where + "'data_offsets' must be an array of two integers");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new CheckpointException(
                    file, where + "data_offsets [" + begin + ", " + end + "] are not ordered");
        }
        if (end - begin != need) {
            throw new CheckpointException(
                    file,
                    where
                            + "data_offsets ["
                            + begin
                            + ", "
                            + end
                            + "] hold "
                            + (end - begin)
                            + " bytes but dtype "
                            + dtype.safetensorsName()
                            + " and shape "
                            + shapeNode
                            + " need "
                            + need);
        }
        if (end > dataBytes) {
            throw new CheckpointException(
                    file,
                    where
                            + "data ends at byte "
                            + end
                            + " of the data section, but the file holds only "
                            + dataBytes
                            + " bytes there: truncated");
        }
        return new TensorEntry(name, dtype, shape, file, dataStart + begin, need);
    }

    /**
     * A JSON integer that fits a long. Not 2.0 or 1e3 (the reference's serde rejects those), nor a
     * big integer, which {@code asLong()} would silently wrap.
     */
    private static boolean isLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
    }

    private static void checkNoOverlap(Path file, Map<String, TensorEntry> entries) {
        // Empty tensors hold no bytes and may sit anywhere; skipping them keeps every pair of
        // non-empty neighbours adjacent after sorting, so comparing neighbours finds any overlap.
        List<TensorEntry> sorted = new ArrayList<>();
        for (TensorEntry e : entries.values()) {
            if (e.lengthBytes() > 0) {
                sorted.add(e);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorEntry::dataStartBytes));
        for (int i = 1; i < sorted.size(); i++) {
            TensorEntry prev = sorted.get(i - 1);
            TensorEntry cur = sorted.get(i);
            if (prev.dataStartBytes() + prev.lengthBytes() > cur.dataStartBytes()) {
                throw new CheckpointException(
                        file, "tensors '" + prev.name() + "' and '" + cur.name() + "' overlap");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position)
            throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the file was only read.
        }
    }

    public Path file() {
        return file;
    }

    /** The {@code __metadata__} map of the header (empty if there is none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public TensorEntry entry(String name) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(file, "no tensor named '" + name + "'");
        }
        return e;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if this file has been closed (tensors loaded before stay valid)
     */
    @Override
    public Tensor load(String name) {
        TensorEntry e = entry(name);
        if (!channel.isOpen()) {
            throw new IllegalStateException(
                    file + ": closed; cannot load tensor '" + name + "' from it");
        }
        try (var options = ComputeDevice.CPU.options(e.dtype())) {
            if (e.lengthBytes() == 0) {
                return torch.empty(e.shape(), options, new MemoryFormatOptional());
            }
            if (e.lengthBytes() > Integer.MAX_VALUE) {
                return readCopy(e, options);
            }
            MappedByteBuffer mapped =
                    channel.map(FileChannel.MapMode.READ_ONLY, e.dataStartBytes(), e.lengthBytes());
            BytePointer data = new BytePointer(mapped);
            LIVE_MAPPINGS.put(data.address(), mapped);
            Tensor t = torch.from_blob(data, e.shape(), RELEASE, options, new DeviceOptional());
            data.close();
            return t;
        } catch (IOException ex) {
            throw new CheckpointException(file, "cannot map tensor '" + name + "': " + ex, ex);
        }
    }

    /**
     * A tensor over 2 GiB cannot be one Java mapping; it is read into libtorch memory instead (one
     * copy, for that tensor only).
     */
    private Tensor readCopy(TensorEntry e, org.bytedeco.pytorch.TensorOptions options)
            throws IOException {
        Tensor t = torch.empty(e.shape(), options, new MemoryFormatOptional());
        BytePointer dst = new BytePointer(t.data_ptr()).capacity(e.lengthBytes());
        long done = 0;
        while (done < e.lengthBytes()) {
            int chunk = (int) Math.min(1L << 30, e.lengthBytes() - done);
            ByteBuffer window = dst.position(done).limit(done + chunk).asByteBuffer();
            readFully(channel, window, e.dataStartBytes() + done);
            done += chunk;
        }
        dst.close();
        return t;
    }

    /** Number of mappings libtorch storages still hold (for leak tests). */
    public static int liveMappings() {
        return LIVE_MAPPINGS.size();
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
