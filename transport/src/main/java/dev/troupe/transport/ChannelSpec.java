package dev.troupe.transport;

import io.aeron.ChannelUriStringBuilder;

/**
 * Where one tensor channel runs: a data stream from the sender to its receivers and a control
 * stream back (acknowledgements and receivers' hellos). Over IPC both are {@code aeron:ipc} streams
 * of the node's driver; over UDP the data stream is multi-destination-cast from the sender's {@code
 * senderHost:dataControlPort} (receivers register dynamically, and min flow control paces the
 * sender to the slowest receiver, so a slow receiver is never overrun), and the control stream is
 * unicast to {@code senderHost:controlPort}.
 *
 * <p>A sender and its receivers build their Aeron channels from the same spec; only the sender's
 * host and ports need to be known in advance.
 *
 * @param name what the channel carries, for error messages ("adapter", "stage-2-activations")
 * @param media IPC or UDP
 * @param senderHost the sender's address (UDP)
 * @param dataControlPort the sender's MDC control port for the data stream (UDP)
 * @param controlPort the port of the sender's control stream (UDP)
 * @param dataStreamId the Aeron stream id of the data stream
 * @param controlStreamId the Aeron stream id of the control stream
 */
public record ChannelSpec(
        String name,
        TransportConfig.Media media,
        String senderHost,
        int dataControlPort,
        int controlPort,
        int dataStreamId,
        int controlStreamId) {

    /** Control frames are small: acknowledgements and hellos. */
    private static final int CONTROL_TERM_LENGTH = 64 * 1024;

    private static final int CONTROL_MTU = 1408;

    public ChannelSpec {
        if (dataStreamId == controlStreamId && media == TransportConfig.Media.IPC) {
            throw new IllegalArgumentException(
                    "channel '" + name + "': data and control streams need distinct ids over IPC");
        }
    }

    /** An IPC channel on stream {@code streamId} (data) and {@code streamId + 1} (control). */
    public static ChannelSpec ipc(String name, int streamId) {
        return new ChannelSpec(name, TransportConfig.Media.IPC, "", 0, 0, streamId, streamId + 1);
    }

    /**
     * A UDP channel whose sender is at {@code senderHost}, with its data control port {@code
     * basePort} and control port {@code basePort + 1}; streams {@code streamId} and {@code streamId
     * + 1}.
     */
    public static ChannelSpec udp(String name, String senderHost, int basePort, int streamId) {
        return new ChannelSpec(
                name,
                TransportConfig.Media.UDP,
                senderHost,
                basePort,
                basePort + 1,
                streamId,
                streamId + 1);
    }

    /** A channel on the media {@code config} chooses; {@code senderHost} and ports serve UDP. */
    public static ChannelSpec of(
            TransportConfig config, String name, String senderHost, int basePort, int streamId) {
        return config.media() == TransportConfig.Media.IPC
                ? ipc(name, streamId)
                : udp(name, senderHost, basePort, streamId);
    }

    boolean ipc() {
        return media == TransportConfig.Media.IPC;
    }

    /** The sender's data publication. */
    String senderDataChannel(TransportConfig config) {
        TransportConfig.DriverConfig d = config.driver();
        if (ipc()) {
            return new ChannelUriStringBuilder()
                    .media("ipc")
                    .termLength(d.ipcTermLength())
                    .mtu(d.ipcMtu())
                    .build();
        }
        return new ChannelUriStringBuilder()
                .media("udp")
                .controlEndpoint(senderHost + ":" + dataControlPort)
                .controlMode("dynamic")
                .flowControl("min")
                .termLength(d.udpTermLength())
                .mtu(d.udpMtu())
                .build();
    }

    /** A receiver's data subscription; {@code localHost} is the address it receives on. */
    String receiverDataChannel(String localHost) {
        if (ipc()) {
            return "aeron:ipc";
        }
        return new ChannelUriStringBuilder()
                .media("udp")
                .endpoint(localHost + ":0")
                .controlEndpoint(senderHost + ":" + dataControlPort)
                .controlMode("dynamic")
                .build();
    }

    /** The sender's control subscription. */
    String senderControlChannel() {
        return ipc()
                ? "aeron:ipc"
                : new ChannelUriStringBuilder()
                        .media("udp")
                        .endpoint(senderHost + ":" + controlPort)
                        .build();
    }

    /** A receiver's control publication (small frames: the default term and MTU). */
    String receiverControlChannel() {
        return ipc()
                ? new ChannelUriStringBuilder()
                        .media("ipc")
                        .termLength(CONTROL_TERM_LENGTH)
                        .mtu(CONTROL_MTU)
                        .build()
                : new ChannelUriStringBuilder()
                        .media("udp")
                        .endpoint(senderHost + ":" + controlPort)
                        .termLength(CONTROL_TERM_LENGTH)
                        .mtu(CONTROL_MTU)
                        .build();
    }

    /** "channel 'adapter' (aeron:ipc stream 1001)", for error messages. */
    public String describe() {
        return "channel '"
                + name
                + "' ("
                + (ipc() ? "aeron:ipc" : "aeron:udp from " + senderHost + ":" + dataControlPort)
                + " stream "
                + dataStreamId
                + ")";
    }
}
