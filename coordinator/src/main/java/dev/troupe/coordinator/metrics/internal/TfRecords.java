package dev.troupe.coordinator.metrics.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 *
 * <pre>
 *   uint64 length             (little-endian)
 *   uint32 masked_crc(length) (CRC32C of the 8 length bytes, masked)
 *   byte   data[length]
 *   uint32 masked_crc(data)
 * </pre>
 *
 * where {@code masked_crc(x) = ((c >>> 15) | (c << 17)) + 0xa282ead8} with {@code c} the CRC32C of
 * x (tensorflow/core/lib/hash/crc32c.h: masking keeps a CRC of data that itself holds CRCs from
 * looking valid).
 */
public final class TfRecords {
    /** Bytes around the data: length, its CRC, the data's CRC. */
    public static final int OVERHEAD_BYTES = 8 + 4 + 4;

    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {}

    /** The masked CRC32C of {@code data[offset, offset + length)}. */
    public static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /** {@code data} framed as one record. */
    public static byte[] frame(byte[] data) {
        ByteBuffer record =
                ByteBuffer.allocate(OVERHEAD_BYTES + data.length).order(ByteOrder.LITTLE_ENDIAN);
        record.putLong(data.length);
        record.putInt(maskedCrc32c(record.array(), 0, 8));
        record.put(data);
        record.putInt(maskedCrc32c(data, 0, data.length));
        return record.array();
    }

    /**
     * One record read back.
     *
     * @param startBytes offset of its length field in the file
     * @param endBytes offset just past its data CRC
     * @param data its data
     */
    public record Record(long startBytes, long endBytes, byte[] data) {}

    /**
     * The records of a file, up to the first one that is cut short or fails a CRC (a write a crash
     * interrupted): everything before it, which is all there is in a healthy file.
     */
    public static List<Record> readValidPrefix(Path file) throws IOException {
        List<Record> records = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            long offset = 0;
            byte[] header = new byte[12];
            byte[] footer = new byte[4];
            while (true) {
                if (in.readNBytes(header, 0, 12) < 12) {
                    break;
                }
                ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
                long length = h.getLong(0);
                if (h.getInt(8) != maskedCrc32c(header, 0, 8)
                        || length < 0
                        || length > Integer.MAX_VALUE - OVERHEAD_BYTES) {
                    break;
                }
                byte[] data = in.readNBytes((int) length);
                if (data.length < length || in.readNBytes(footer, 0, 4) < 4) {
                    break;
                }
                int crc = ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
                if (crc != maskedCrc32c(data, 0, data.length)) {
                    break;
                }
                long end = offset + OVERHEAD_BYTES + length;
                records.add(new Record(offset, end, data));
                offset = end;
            }
        }
        return records;
    }
}
