package dev.troupe.transport;

/**
 * Starts an embedded media driver in its own JVM and waits to be killed (for {@link
 * TransportNodeTest}). Argument: the Aeron directory.
 */
public final class DriverProcessMain {
    private DriverProcessMain() {}

    public static void main(String[] args) throws Exception {
        try (TransportNode node = TransportNode.start(TransportTestSupport.testConfig(args[0]))) {
            System.out.println("DRIVER-READY " + ProcessHandle.current().pid());
            Thread.sleep(120_000);
        }
    }
}
