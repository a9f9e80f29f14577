package dev.troupe.bench.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.transport.BatchDelivery;
import dev.troupe.transport.ChannelSpec;
import dev.troupe.transport.SenderListener;
import dev.troupe.transport.TensorLayout;
import dev.troupe.transport.TensorSender;
import dev.troupe.transport.TensorSetPublisher;
import dev.troupe.transport.TransportConfig;
import dev.troupe.transport.TransportNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Throughput and latency of the tensor channel for tensors from 4 KB to 1 GB, over IPC (to a
 * receiver in another JVM on this benchmark's media driver) and UDP over loopback (to a receiver
 * JVM with its own driver, as a second host), against two bounds measured in the same run: one
 * in-process memory copy of the tensor (Agrona's {@code putBytes}, the primitive the channel copies
 * with) and a plain TCP socket over loopback. Then the time of one adapter sync: the LoRA of a
 * Qwen2.5-0.5B-shaped model published to 4 subscriber JVMs.
 *
 * <p>One transfer is timed from the send call to the receiver's acknowledgement (the receiver has
 * the tensor whole and verified); the socket baseline likewise waits for a one-byte answer. Each
 * figure is the median over the repetitions, after warm-up transfers. Not JMH: the work spans
 * several processes, and the bounds are measured beside the channel in the same run.
 *
 * <p>Usage: {@code TransportBenchmarks [--quick] [results.json]}.
 */
public final class TransportBenchmarks {
    private static final long KB = 1024;
    private static final long MB = 1024 * KB;

    private TransportBenchmarks() {}

    /** One row of the table. */
    record Row(
            long sizeBytes,
            int reps,
            double memcpyNs,
            double ipcNs,
            double udpNs,
            double socketNs) {
        double gbps(double ns) {
            return sizeBytes / ns;
        }
    }

    /** The adapter-sync measurement. */
    record AdapterSync(
            long params,
            long bytes,
            int subscribers,
            double[] ms,
            double[] snapshotMs,
            double[] sentMs) {}

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        boolean adapterOnly = Arrays.asList(args).contains("--adapter-only");
        boolean ipcOnly = Arrays.asList(args).contains("--ipc-only");
        Path out =
                Arrays.stream(args)
                        .filter(a -> !a.startsWith("--"))
                        .findFirst()
                        .map(Path::of)
                        .orElse(Path.of("bench/results/transport.json"));
        long[] sizes =
                quick
                        ? new long[] {4 * KB, 64 * KB, MB, 16 * MB, 64 * MB}
                        : new long[] {4 * KB, 64 * KB, MB, 16 * MB, 64 * MB, 256 * MB, 1024 * MB};
        String loadBefore = loadAverage();
        String dir = "/dev/shm/troupe-bench-" + ProcessHandle.current().pid();
        TransportConfig config = BenchChannels.config(dir, true, "ipc");
        List<Row> rows = new ArrayList<>();
        AdapterSync sync;
        AdapterSync syncBackoff;
        try (TransportNode node = TransportNode.start(config)) {
            if (adapterOnly) {
                printTable(List.of(), adapterSync(dir, 5, config.idleStrategy()));
                return;
            }
            long max = sizes[sizes.length - 1];
            try (Tensor src = Tensors.empty(ComputeDevice.CPU, DType.U8, max);
                    Tensor dst = Tensors.empty(ComputeDevice.CPU, DType.U8, max);
                    Scalar seven = new Scalar(7)) {
                src.fill_(seven);
                dst.zero_();
                double[][] memcpy = new double[sizes.length][];
                double[][] socket = new double[sizes.length][];
                for (int i = 0; i < sizes.length; i++) {
                    memcpy[i] = memcpy(src, dst, sizes[i], reps(sizes[i], quick));
                    socket[i] = socket(src, dst, sizes[i], reps(sizes[i], quick));
                    System.out.printf(Locale.ROOT, "bounds %s done%n", human(sizes[i]));
                }
                double[][] ipc = channel(node, dir, "ipc", src, sizes, quick);
                double[][] udp =
                        ipcOnly ? memcpy.clone() : channel(node, dir, "udp", src, sizes, quick);
                // The bound again after the channels, so that one spell of a cache-friendly or a
                // busy host does not set it: the median of both runs.
                for (int i = 0; i < sizes.length; i++) {
                    double[] again = memcpy(src, dst, sizes[i], reps(sizes[i], quick));
                    double[] both = Arrays.copyOf(memcpy[i], memcpy[i].length + again.length);
                    System.arraycopy(again, 0, both, memcpy[i].length, again.length);
                    memcpy[i] = both;
                }
                for (int i = 0; i < sizes.length; i++) {
                    rows.add(
                            new Row(
                                    sizes[i],
                                    reps(sizes[i], quick),
                                    median(memcpy[i]),
                                    median(ipc[i]),
                                    median(udp[i]),
                                    median(socket[i])));
                }
            }
        }
        // Every process of the sync sleeps 1 ms when idle: on a host with fewer cores than busy
        // processes, spinning agents take the cores the working ones need. Also measured with the
        // default backoff strategy, for comparison.
        if (ipcOnly) {
            printTable(rows, adapterSync(dir, 1, "sleeping"));
            return;
        }
        sync = adapterSync(dir, quick ? 5 : 20, "sleeping");
        syncBackoff = adapterSync(dir, quick ? 5 : 20, "backoff");
        String loadAfter = loadAverage();
        printTable(rows, sync);
        System.out.printf(
                Locale.ROOT,
                "adapter sync with the backoff idle strategy: median %.1f ms, p90 %.1f ms%n",
                median(syncBackoff.ms()),
                percentile(syncBackoff.ms(), 0.9));
        write(out, quick, rows, sync, syncBackoff, config, loadBefore, loadAfter);
        System.out.println("wrote " + out);
    }

    static int reps(long size, boolean quick) {
        long r = Math.max(5, Math.min(200, 512 * MB / size));
        if (size >= 1024 * MB) {
            r = 3;
        }
        return (int) (quick ? Math.max(3, r / 4) : r);
    }

    private static double[] memcpy(Tensor src, Tensor dst, long size, int reps) {
        UnsafeBuffer from = new UnsafeBuffer(src.data_ptr().address(), (int) size);
        UnsafeBuffer to = new UnsafeBuffer(dst.data_ptr().address(), (int) size);
        for (int w = 0; w < 2; w++) {
            to.putBytes(0, from, 0, (int) size);
        }
        double[] ns = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            to.putBytes(0, from, 0, (int) size);
            ns[r] = System.nanoTime() - t0;
        }
        return ns;
    }

    private static ByteBuffer view(Tensor t, long size) {
        try (BytePointer p = new BytePointer(t.data_ptr())) {
            p.position(0).capacity(size).limit(size);
            return p.asByteBuffer();
        }
    }

    /** Sends {@code size} bytes over a loopback TCP socket to a reader thread, which answers. */
    private static double[] socket(Tensor src, Tensor dst, long size, int reps) throws Exception {
        ByteBuffer from = view(src, size);
        ByteBuffer to = view(dst, size);
        int warmup = 2;
        try (ServerSocketChannel server =
                ServerSocketChannel.open()
                        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread reader =
                    new Thread(
                            () -> {
                                try (SocketChannel c = server.accept()) {
                                    ByteBuffer answer = ByteBuffer.allocateDirect(1);
                                    for (int k = 0; k < warmup + reps; k++) {
                                        to.clear();
                                        while (to.hasRemaining()) {
                                            c.read(to);
                                        }
                                        answer.clear();
                                        c.write(answer);
                                    }
                                } catch (IOException e) {
                                    throw new IllegalStateException(e);
                                }
                            },
                            "socket-reader");
            reader.start();
            double[] ns = new double[reps];
            try (SocketChannel c = SocketChannel.open(server.getLocalAddress())) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer answer = ByteBuffer.allocateDirect(1);
                for (int k = 0; k < warmup + reps; k++) {
                    long t0 = System.nanoTime();
                    from.clear();
                    while (from.hasRemaining()) {
                        c.write(from);
                    }
                    answer.clear();
                    while (answer.hasRemaining()) {
                        c.read(answer);
                    }
                    if (k >= warmup) {
                        ns[k - warmup] = System.nanoTime() - t0;
                    }
                }
            }
            reader.join();
            return ns;
        }
    }

    /** Times each size over {@code media} to a receiver JVM. */
    private static double[][] channel(
            TransportNode node, String dir, String media, Tensor src, long[] sizes, boolean quick)
            throws Exception {
        int port = media.equals("udp") ? freePortPair() : 0;
        String receiverDir = media.equals("udp") ? dir + "-udp-receiver" : dir;
        Child child = startChild(ThroughputReceiverMain.class, receiverDir, media, "" + port);
        double[][] out = new double[sizes.length][];
        try {
            awaitLine(child, "READY");
            ChannelSpec spec = BenchChannels.throughputSpec(media, port);
            try (TensorSender sender =
                    TensorSender.open(node, spec, "bench", SenderListener.NONE)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (sender.receivers().isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(media + " receiver never announced itself");
                    }
                    Thread.sleep(10);
                }
                for (int i = 0; i < sizes.length; i++) {
                    int reps = reps(sizes[i], quick);
                    try (Tensor slice = src.narrow(0, 0, sizes[i])) {
                        Map<String, Tensor> batch = Map.of("t", slice);
                        int warmup = sizes[i] >= 256 * MB ? 1 : 3;
                        for (int w = 0; w < warmup; w++) {
                            sender.send("bench", w, batch).delivered().get(120, TimeUnit.SECONDS);
                        }
                        double[] ns = new double[reps];
                        for (int r = 0; r < reps; r++) {
                            long t0 = System.nanoTime();
                            BatchDelivery d =
                                    sender.send("bench", 100 + r, batch)
                                            .delivered()
                                            .get(120, TimeUnit.SECONDS);
                            ns[r] = System.nanoTime() - t0;
                            if (d.receivers().size() != 1) {
                                throw new IllegalStateException("delivered to " + d.receivers());
                            }
                        }
                        out[i] = ns;
                    }
                    System.out.printf(Locale.ROOT, "%s %s done%n", media, human(sizes[i]));
                }
            }
        } finally {
            stopChild(child);
        }
        return out;
    }

    /** One adapter-sync measurement with every process on {@code idle}, on a node of its own. */
    private static AdapterSync adapterSync(String dir, int reps, String idle) throws Exception {
        System.setProperty("bench.idle", idle);
        String syncDir = dir + "-adapter-" + idle;
        try (TransportNode node = TransportNode.start(BenchChannels.config(syncDir, true, "ipc"))) {
            return adapterSync(node, syncDir, reps);
        }
    }

    private static AdapterSync adapterSync(TransportNode node, String dir, int reps)
            throws Exception {
        TensorLayout layout = BenchChannels.qwen25HalfBLora();
        long params = layout.totalBytes() / 4;
        int subscribers = 4;
        List<Child> children = new ArrayList<>();
        Map<String, Tensor> adapter = BenchChannels.filled(layout, 0f);
        double[] ms = new double[reps];
        double[] snapshotMs = new double[reps];
        double[] sentMs = new double[reps];
        boolean failed = false;
        try (TensorSetPublisher pub =
                TensorSetPublisher.open(
                        node,
                        ChannelSpec.ipc("adapter", BenchChannels.ADAPTER_STREAM),
                        "learner",
                        "adapter",
                        SenderListener.NONE)) {
            for (int i = 0; i < subscribers; i++) {
                children.add(startChild(AdapterSubscriberMain.class, dir, "rollout-" + i));
            }
            for (Child c : children) {
                awaitLine(c, "READY");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pub.subscribers().size() < subscribers) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("subscribers: " + pub.subscribers());
                }
                Thread.sleep(10);
            }
            int warmup = 3;
            failed = true;
            try (Scalar one = new Scalar(1f)) {
                for (int v = 1; v <= warmup + reps; v++) {
                    // The learner's optimiser step changes every LoRA tensor ...
                    for (Tensor t : adapter.values()) {
                        t.add_(one);
                    }
                    // ... and ends here: the new version must become usable in every rollout.
                    long t0 = System.nanoTime();
                    var publication = pub.publish(v, adapter);
                    long tSnap = System.nanoTime();
                    publication.send().sent().get(60, TimeUnit.SECONDS);
                    long tSent = System.nanoTime();
                    BatchDelivery d = publication.delivered().get(60, TimeUnit.SECONDS);
                    long t1 = System.nanoTime();
                    if (d.receivers().size() != subscribers) {
                        throw new IllegalStateException("delivered to " + d.receivers());
                    }
                    if (v > warmup) {
                        ms[v - warmup - 1] = (t1 - t0) / 1e6;
                        snapshotMs[v - warmup - 1] = (tSnap - t0) / 1e6;
                        sentMs[v - warmup - 1] = (tSent - t0) / 1e6;
                    }
                }
            }
            failed = false;
        } finally {
            for (Child c : children) {
                stopChild(c);
                if (failed) {
                    System.err.println("--- subscriber ---\n" + c.output());
                }
            }
            adapter.values().forEach(Tensor::close);
        }
        return new AdapterSync(params, layout.totalBytes(), subscribers, ms, snapshotMs, sentMs);
    }

    /** A child JVM and the lines it printed. */
    record Child(Process process, List<String> lines) {
        String output() {
            return String.join("\n", lines);
        }
    }

    private static Child startChild(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx256m");
        cmd.add("-Dbench.idle=" + System.getProperty("bench.idle", "backoff"));
        cmd.add("-Dbench.config=" + System.getProperty("bench.config", ""));
        cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
        cmd.add("-Dorg.bytedeco.javacpp.maxBytes=0");
        cmd.add("--add-opens");
        cmd.add("java.base/sun.nio.ch=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    p.getInputStream(), StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = r.readLine()) != null) {
                                    lines.add(line);
                                }
                            } catch (IOException e) {
                                lines.add("<" + e + ">");
                            }
                        });
        reader.setDaemon(true);
        reader.start();
        return new Child(p, lines);
    }

    private static void awaitLine(Child c, String want) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.lines().contains(want)) {
            if (!c.process().isAlive() || System.nanoTime() > deadline) {
                Thread.sleep(200);
                throw new IllegalStateException("child gave no " + want + ":\n" + c.output());
            }
            Thread.sleep(10);
        }
    }

    private static void stopChild(Child c) throws InterruptedException {
        Process p = c.process();
        try (PrintWriter w = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
            w.println("status");
            w.println("quit");
        }
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20000 + ThreadLocalRandom.current().nextInt(20000);
            try (DatagramSocket a = new DatagramSocket(base, InetAddress.getLoopbackAddress());
                    DatagramSocket b =
                            new DatagramSocket(base + 1, InetAddress.getLoopbackAddress())) {
                return base;
            } catch (IOException busy) {
                // next
            }
        }
        throw new IOException("no two free consecutive UDP ports");
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double percentile(double[] xs, double p) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    static String human(long bytes) {
        if (bytes >= MB) {
            return bytes / MB + " MB";
        }
        return bytes / KB + " KB";
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void printTable(List<Row> rows, AdapterSync sync) {
        System.out.println();
        System.out.println(
                "| size | memcpy GB/s | IPC GB/s | IPC / memcpy | UDP GB/s | UDP / memcpy | TCP GB/s"
                        + " | TCP / memcpy | IPC p50 µs | UDP p50 µs | TCP p50 µs |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f |%n",
                    human(r.sizeBytes()),
                    r.gbps(r.memcpyNs()),
                    r.gbps(r.ipcNs()),
                    r.memcpyNs() / r.ipcNs(),
                    r.gbps(r.udpNs()),
                    r.memcpyNs() / r.udpNs(),
                    r.gbps(r.socketNs()),
                    r.memcpyNs() / r.socketNs(),
                    r.ipcNs() / 1e3,
                    r.udpNs() / 1e3,
                    r.socketNs() / 1e3);
        }
        System.out.printf(
                Locale.ROOT,
                "%nadapter sync (%d params, %.1f MB fp32, learner -> %d subscriber JVMs over IPC):"
                        + " median %.1f ms, p90 %.1f ms, max %.1f ms over %d syncs%n",
                sync.params(),
                sync.bytes() / 1e6,
                sync.subscribers(),
                median(sync.ms()),
                percentile(sync.ms(), 0.9),
                Arrays.stream(sync.ms()).max().orElse(0),
                sync.ms().length);
        System.out.printf(
                Locale.ROOT,
                "  of which: snapshot copy median %.1f ms; all frames in the log (sent) median %.1f"
                        + " ms%n",
                median(sync.snapshotMs()),
                median(sync.sentMs()));
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }

    private static void write(
            Path out,
            boolean quick,
            List<Row> rows,
            AdapterSync sync,
            AdapterSync syncBackoff,
            TransportConfig config,
            String loadBefore,
            String loadAfter)
            throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put(
                "about",
                "Tensor channel throughput over IPC and UDP (loopback) against an in-process"
                        + " memory copy and a TCP socket, and one LoRA adapter sync to 4"
                        + " subscriber processes; written by bench/run-transport.sh. Ratios are"
                        + " throughput over the memory-copy throughput at the same size, in the"
                        + " same run.");
        root.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("quick", quick);
        Row at64 = rows.stream().filter(r -> r.sizeBytes() == 64 * MB).findFirst().orElseThrow();
        root.put("ipc_ratio_64mb", round(at64.memcpyNs() / at64.ipcNs(), 3));
        root.put("adapter_sync_ms", round(median(sync.ms()), 2));
        ObjectNode machine = root.putObject("machine");
        machine.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        machine.put("cpuModel", cpuModel());
        machine.put("loadAverageBefore", loadBefore);
        machine.put("loadAverageAfter", loadAfter);
        machine.put(
                "jdk",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        ObjectNode transport = root.putObject("transport");
        transport.put("ipcTermLength", config.driver().ipcTermLength());
        transport.put("ipcMtu", config.driver().ipcMtu());
        transport.put("udpTermLength", config.driver().udpTermLength());
        transport.put("udpMtu", config.driver().udpMtu());
        transport.put("socketRcvbuf", config.driver().socketRcvbufBytes());
        transport.put("driverThreading", config.driver().threading().toString());
        transport.put("idleStrategy", config.idleStrategy());
        ArrayNode table = root.putArray("throughput");
        for (Row r : rows) {
            ObjectNode n = table.addObject();
            n.put("sizeBytes", r.sizeBytes());
            n.put("reps", r.reps());
            n.put("memcpyGBps", round(r.gbps(r.memcpyNs()), 3));
            n.put("ipcGBps", round(r.gbps(r.ipcNs()), 3));
            n.put("udpGBps", round(r.gbps(r.udpNs()), 3));
            n.put("tcpGBps", round(r.gbps(r.socketNs()), 3));
            n.put("ipcRatio", round(r.memcpyNs() / r.ipcNs(), 3));
            n.put("udpRatio", round(r.memcpyNs() / r.udpNs(), 3));
            n.put("tcpRatio", round(r.memcpyNs() / r.socketNs(), 3));
            n.put("memcpyP50Us", round(r.memcpyNs() / 1e3, 1));
            n.put("ipcP50Us", round(r.ipcNs() / 1e3, 1));
            n.put("udpP50Us", round(r.udpNs() / 1e3, 1));
            n.put("tcpP50Us", round(r.socketNs() / 1e3, 1));
        }
        ObjectNode s = root.putObject("adapterSync");
        s.put(
                "model",
                "LoRA rank 16 on q,k,v,o,gate,up,down of a Qwen2.5-0.5B-shaped model (24 layers,"
                        + " hidden 896, kv 128, intermediate 4864), fp32");
        s.put("params", sync.params());
        s.put("bytes", sync.bytes());
        s.put("tensors", 24 * 7 * 2);
        s.put("subscriberProcesses", sync.subscribers());
        s.put("media", "ipc");
        s.put(
                "timed",
                "from the end of the optimiser step (publish call: snapshot copy, send) to every"
                        + " subscriber's acknowledgement (version complete, verified and current)");
        s.put("medianMs", round(median(sync.ms()), 2));
        s.put("p90Ms", round(percentile(sync.ms(), 0.9), 2));
        s.put("minMs", round(Arrays.stream(sync.ms()).min().orElse(0), 2));
        s.put("maxMs", round(Arrays.stream(sync.ms()).max().orElse(0), 2));
        s.put("syncs", sync.ms().length);
        s.put("idleStrategy", "sleeping");
        s.put("snapshotCopyMedianMs", round(median(sync.snapshotMs()), 2));
        s.put("sentMedianMs", round(median(sync.sentMs()), 2));
        ObjectNode b = root.putObject("adapterSyncBackoff");
        b.put("idleStrategy", "backoff");
        b.put("medianMs", round(median(syncBackoff.ms()), 2));
        b.put("p90Ms", round(percentile(syncBackoff.ms(), 0.9), 2));
        b.put("maxMs", round(Arrays.stream(syncBackoff.ms()).max().orElse(0), 2));
        b.put("snapshotCopyMedianMs", round(median(syncBackoff.snapshotMs()), 2));
        b.put("sentMedianMs", round(median(syncBackoff.sentMs()), 2));
        root.put("adapter_sync_ms_backoff", round(median(syncBackoff.ms()), 2));
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), root);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
