package dev.troupe.transport.internal;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The 24 bytes that open every tensor-transport frame, as a flyweight over an Aeron message. The
 * version comes first so a receiver can tell a late frame of an older version from a current one
 * before it reads anything else.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Version (int64)                        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Correlation Id (int64)                    |
 *  |                                                               |
 *  +---------------+---------------+-------------------------------+
 *  |  Frame Type   | Protocol Ver. |            Flags              |
 *  +---------------+---------------+-------------------------------+
 *  |                        Reserved (int32)                       |
 *  +---------------------------------------------------------------+
 *  |                    Frame-type specific body                  ...
 * </pre>
 *
 * All fields are little-endian. Subclasses add the fields of one frame type after {@link
 * #HEADER_LENGTH}.
 */
public class FrameFlyweight {
    public static final int VERSION_OFFSET = 0;
    public static final int CORRELATION_ID_OFFSET = 8;
    public static final int TYPE_OFFSET = 16;
    public static final int PROTOCOL_VERSION_OFFSET = 17;
    public static final int FLAGS_OFFSET = 18;
    public static final int RESERVED_OFFSET = 20;
    public static final int HEADER_LENGTH = 24;

    /** The wire protocol this code writes and reads; a frame with another is discarded. */
    public static final byte PROTOCOL_VERSION = 1;

    /** Opens a batch; body: {@code TensorBatchBegin} Protobuf. */
    public static final byte TYPE_BEGIN = 1;

    /** Carries a run of one tensor's bytes. */
    public static final byte TYPE_CHUNK = 2;

    /** Closes a batch: tensor count, total bytes, final CRC32C of each tensor. */
    public static final byte TYPE_END = 3;

    /** The sender gave up on a batch; receivers drop it. */
    public static final byte TYPE_ABORT = 4;

    /** A receiver's acknowledgement of a batch (on the control stream). */
    public static final byte TYPE_ACK = 5;

    /**
     * A receiver announcing itself; body: {@code ReceiverHello} Protobuf (on the control stream).
     */
    public static final byte TYPE_HELLO = 6;

    protected DirectBuffer buffer;
    protected int offset;

    /**
     * Points this flyweight at a frame starting at {@code offset} of {@code buffer}. Setters need a
     * {@link MutableDirectBuffer}; the buffers Aeron hands to fragment handlers are.
     */
    public FrameFlyweight wrap(DirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    /** The buffer for writing. */
    protected final MutableDirectBuffer mutable() {
        return (MutableDirectBuffer) buffer;
    }

    public int offset() {
        return offset;
    }

    public long version() {
        return buffer.getLong(offset + VERSION_OFFSET, LITTLE_ENDIAN);
    }

    public FrameFlyweight version(long version) {
        mutable().putLong(offset + VERSION_OFFSET, version, LITTLE_ENDIAN);
        return this;
    }

    public long correlationId() {
        return buffer.getLong(offset + CORRELATION_ID_OFFSET, LITTLE_ENDIAN);
    }

    public FrameFlyweight correlationId(long correlationId) {
        mutable().putLong(offset + CORRELATION_ID_OFFSET, correlationId, LITTLE_ENDIAN);
        return this;
    }

    public byte type() {
        return buffer.getByte(offset + TYPE_OFFSET);
    }

    public FrameFlyweight type(byte type) {
        mutable().putByte(offset + TYPE_OFFSET, type);
        return this;
    }

    public byte protocolVersion() {
        return buffer.getByte(offset + PROTOCOL_VERSION_OFFSET);
    }

    public FrameFlyweight protocolVersion(byte protocolVersion) {
        mutable().putByte(offset + PROTOCOL_VERSION_OFFSET, protocolVersion);
        return this;
    }

    public short flags() {
        return buffer.getShort(offset + FLAGS_OFFSET, LITTLE_ENDIAN);
    }

    public FrameFlyweight flags(short flags) {
        mutable().putShort(offset + FLAGS_OFFSET, flags, LITTLE_ENDIAN);
        return this;
    }

    /** Writes the common header: version, correlation id, type, this protocol version, no flags. */
    public FrameFlyweight header(long version, long correlationId, byte type) {
        version(version);
        correlationId(correlationId);
        type(type);
        protocolVersion(PROTOCOL_VERSION);
        flags((short) 0);
        mutable().putInt(offset + RESERVED_OFFSET, 0, LITTLE_ENDIAN);
        return this;
    }
}
