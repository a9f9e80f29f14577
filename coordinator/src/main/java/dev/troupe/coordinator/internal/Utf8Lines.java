package dev.troupe.coordinator.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a stream line by line, keeping each line's byte offset and decoding each line on its own,
 * so one line with bad UTF-8 is reported as that line's problem instead of failing the file.
 *
 * <p>Lines end at {@code \n}; a {@code \r} before it is dropped. A last line without {@code \n} is
 * still a line, and {@link Line#terminated()} says it was cut short (a write that a crash
 * interrupted, say).
 */
public final class Utf8Lines {
    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[256];
    private long offsetBytes;
    private long lineNumber;

    /** Reads from {@code in} (buffered here); the caller closes it. */
    public Utf8Lines(InputStream in) {
        this.in = in;
    }

    /**
     * One line.
     *
     * @param number 1-based line number
     * @param startBytes offset of the line's first byte in the stream
     * @param endBytes offset just past the line, including its {@code \n}
     * @param text the decoded line without its ending, or {@code null} if it is not valid UTF-8
     * @param terminated whether the line ended with {@code \n}
     */
    public record Line(
            long number, long startBytes, long endBytes, String text, boolean terminated) {}

    /** The next line, or {@code null} at the end of the stream. */
    public Line next() throws IOException {
        long start = offsetBytes;
        int length = 0;
        boolean terminated = false;
        while (!terminated) {
            if (chunkPos == chunkEnd) {
                chunkEnd = in.read(chunk);
                chunkPos = 0;
                if (chunkEnd <= 0) {
                    chunkEnd = 0;
                    break;
                }
            }
            int end = chunkPos;
            while (end < chunkEnd && chunk[end] != '\n') {
                end++;
            }
            int n = end - chunkPos;
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.max(2 * line.length, length + n));
            }
            System.arraycopy(chunk, chunkPos, line, length, n);
            length += n;
            offsetBytes += n;
            chunkPos = end;
            if (end < chunkEnd) {
                terminated = true;
                chunkPos++;
                offsetBytes++;
            }
        }
        if (!terminated && length == 0) {
            return null;
        }
        lineNumber++;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        String text = decode(line, length);
        if (text != null && lineNumber == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return new Line(lineNumber, start, offsetBytes, text, terminated);
    }

    private static String decode(byte[] bytes, int length) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
