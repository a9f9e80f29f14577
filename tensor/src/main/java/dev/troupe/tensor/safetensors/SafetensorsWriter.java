package dev.troupe.tensor.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes tensors as one safetensors file, atomically: the bytes go to a temporary file beside the
 * target, which is synced and then renamed over it, so a crash never leaves a half-written file
 * under the final name.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} (in map order) and {@code metadata} to {@code file}. Tensors may live
     * on any device and be non-contiguous; each is copied to the host once.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        List<Tensor> hosts = new ArrayList<>(tensors.size());
        try {
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    throw new IllegalArgumentException(
                            file + ": '__metadata__' is reserved, not a tensor name");
                }
                DType dtype;
                try {
                    dtype = Tensors.dtype(e.getValue());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(
                            file + ": tensor '" + e.getKey() + "': " + ex.getMessage(), ex);
                }
                Tensor host = Tensors.hostContiguous(e.getValue(), dtype);
                hosts.add(host);
                ObjectNode entry = header.putObject(e.getKey());
                entry.put("dtype", dtype.safetensorsName());
                ArrayNode shape = entry.putArray("shape");
                for (long s : Tensors.shape(host)) {
                    shape.add(s);
                }
                ArrayNode offsets = entry.putArray("data_offsets");
                offsets.add(offset);
                offset += host.nbytes();
                offsets.add(offset);
            }
            byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
            // Pad with spaces so the data section starts 8-byte aligned, as the reference writer
            // does.
            int padded = (json.length + 7) / 8 * 8;
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            head.flip();
            writeAtomically(file, head, hosts);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot write: " + describe(e), e);
        } finally {
            hosts.forEach(Tensor::close);
        }
    }

    private static void writeAtomically(Path file, ByteBuffer head, List<Tensor> hosts)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            // createDirectories would say only "FileAlreadyExistsException: <existing>".
            throw new IOException(existing + " is not a directory");
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel ch =
                    FileChannel.open(
                            tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Tensor host : hosts) {
                    long n = host.nbytes();
                    if (n == 0) {
                        continue;
                    }
                    try (BytePointer p = new BytePointer(host.data_ptr())) {
                        p.capacity(n);
                        long done = 0;
                        while (done < n) {
                            long chunk = Math.min(1L << 30, n - done);
                            writeFully(ch, p.position(done).limit(done + chunk).asByteBuffer());
                            done += chunk;
                        }
                    }
                }
                ch.force(true);
            }
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The problem in words: many file-system exceptions carry only a path as their message, which
     * says nothing without the exception's name.
     */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException f) {
            String where =
                    f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            String why = f.getReason() == null ? e.getClass().getSimpleName() : f.getReason();
            return where + ": " + why;
        }
        return String.valueOf(e.getMessage());
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
