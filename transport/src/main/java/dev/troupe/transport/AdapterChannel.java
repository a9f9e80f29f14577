package dev.troupe.transport;

/**
 * Where a learner publishes its adapter versions, written as a string that travels in control
 * messages to rollouts: {@code aeron:ipc:<stream>} or {@code aeron:udp:<host>:<port>:<stream>}.
 *
 * @param media IPC (one media driver for the host's processes) or UDP
 * @param host the publisher's host (UDP)
 * @param port the publisher's base port (UDP: data control port; control stream on port + 1)
 * @param streamId data stream id (control stream on id + 1)
 */
public record AdapterChannel(TransportConfig.Media media, String host, int port, int streamId) {

    /** The tensor-set name adapters are published under. */
    public static final String SET_NAME = "adapter";

    private static final String PREFIX = "aeron:";

    /** Whether {@code s} names an adapter channel (rather than a PEFT folder). */
    public static boolean isChannel(String s) {
        return s.startsWith(PREFIX);
    }

    /** The descriptor string. */
    @Override
    public String toString() {
        return media == TransportConfig.Media.IPC
                ? PREFIX + "ipc:" + streamId
                : PREFIX + "udp:" + host + ":" + port + ":" + streamId;
    }

    /** Parses a descriptor; fails naming it when malformed. */
    public static AdapterChannel parse(String s) {
        String[] p = s.split(":");
        try {
            if (p.length == 3 && p[0].equals("aeron") && p[1].equals("ipc")) {
                return new AdapterChannel(TransportConfig.Media.IPC, "", 0, Integer.parseInt(p[2]));
            }
            if (p.length == 5 && p[0].equals("aeron") && p[1].equals("udp")) {
                return new AdapterChannel(
                        TransportConfig.Media.UDP,
                        p[2],
                        Integer.parseInt(p[3]),
                        Integer.parseInt(p[4]));
            }
        } catch (NumberFormatException e) {
            // Falls through to the error below.
        }
        throw new IllegalArgumentException(
                "not an adapter channel: '"
                        + s
                        + "' (expected aeron:ipc:<stream> or aeron:udp:<host>:<port>:<stream>)");
    }

    /** The channel spec of this descriptor. */
    public ChannelSpec spec() {
        return media == TransportConfig.Media.IPC
                ? ChannelSpec.ipc(SET_NAME, streamId)
                : ChannelSpec.udp(SET_NAME, host, port, streamId);
    }
}
