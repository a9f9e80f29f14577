package dev.troupe.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The frame flyweights write the documented little-endian layout at any offset. */
class FrameFlyweightTest {
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);

    @Test
    void shouldWriteHeaderFieldsAtTheirOffsetsLittleEndian() {
        FrameFlyweight f = new FrameFlyweight();
        f.wrap(buffer, 16);
        f.header(0x0102030405060708L, 42, FrameFlyweight.TYPE_END);
        ByteBuffer bb = ByteBuffer.wrap(buffer.byteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x0102030405060708L, bb.getLong(16 + FrameFlyweight.VERSION_OFFSET));
        assertEquals(0x08, bb.get(16)); // least significant byte first
        assertEquals(42, bb.getLong(16 + FrameFlyweight.CORRELATION_ID_OFFSET));
        assertEquals(FrameFlyweight.TYPE_END, bb.get(16 + FrameFlyweight.TYPE_OFFSET));
        assertEquals(
                FrameFlyweight.PROTOCOL_VERSION,
                bb.get(16 + FrameFlyweight.PROTOCOL_VERSION_OFFSET));
        assertEquals(0x0102030405060708L, f.version());
        assertEquals(42, f.correlationId());
    }

    @Test
    void shouldRoundTripChunkEndAckAndBodyFields() {
        ChunkFrameFlyweight c = new ChunkFrameFlyweight();
        c.wrap(buffer, 8);
        c.header(3, 4, FrameFlyweight.TYPE_CHUNK);
        c.tensorIndex(5).runningCrc(-6).tensorOffset(1L << 33).payloadLength(77);
        assertEquals(5, c.tensorIndex());
        assertEquals(-6, c.runningCrc());
        assertEquals(1L << 33, c.tensorOffset());
        assertEquals(77, c.payloadLength());
        assertEquals(8 + ChunkFrameFlyweight.PAYLOAD_OFFSET, c.payloadOffset());
        assertEquals(48, ChunkFrameFlyweight.CHUNK_HEADER_LENGTH);

        EndFrameFlyweight e = new EndFrameFlyweight();
        e.wrap(buffer, 0);
        e.header(3, 4, FrameFlyweight.TYPE_END);
        e.tensorCount(2).totalBytes(123456789012L).crc(0, 11).crc(1, -12);
        assertEquals(2, e.tensorCount());
        assertEquals(123456789012L, e.totalBytes());
        assertEquals(-12, e.crc(1));
        assertEquals(EndFrameFlyweight.CRCS_OFFSET + 8, EndFrameFlyweight.length(2));

        AckFrameFlyweight a = new AckFrameFlyweight();
        a.wrap(buffer, 0);
        a.header(3, 4, FrameFlyweight.TYPE_ACK);
        a.receiverId(-99).status(8).bytesReceived(1000);
        assertEquals(-99, a.receiverId());
        assertEquals(8, a.status());
        assertEquals(1000, a.bytesReceived());

        BodyFrameFlyweight b = new BodyFrameFlyweight();
        b.wrap(buffer, 0);
        b.header(3, 4, FrameFlyweight.TYPE_BEGIN);
        b.bodyLength(17);
        assertEquals(17, b.bodyLength());
        assertEquals(BodyFrameFlyweight.BODY_OFFSET, b.bodyOffset());
    }
}
