package dev.troupe.bench.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * GPU memory this process holds, as {@code nvidia-smi} reports it: libtorch's caching allocator
 * keeps what it reserved, so in a process that ran only the measured work this is its peak reserve
 * plus the CUDA context. (libtorch's own allocator statistics are reached through the Bytedeco CUDA
 * presets, which a bundle linked to the node's libtorch does not carry.)
 */
final class GpuMemory {
    private GpuMemory() {}

    /** Bytes held by this process on the GPU, or -1 where nvidia-smi cannot say. */
    static long processBytes() {
        long pid = ProcessHandle.current().pid();
        try {
            Process p =
                    new ProcessBuilder(
                                    "nvidia-smi",
                                    "--query-compute-apps=pid,used_memory",
                                    "--format=csv,noheader,nounits")
                            .redirectErrorStream(true)
                            .start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return -1;
            }
            long only = -1;
            int lines = 0;
            for (String line : out.split("\n")) {
                String[] f = line.split(",");
                if (f.length != 2) {
                    continue;
                }
                lines++;
                long mib = Long.parseLong(f[1].trim());
                if (Long.parseLong(f[0].trim()) == pid) {
                    return mib << 20;
                }
                only = mib << 20;
            }
            // In a PID namespace the node may list another number for this process: if it is
            // the only process on the GPU, its memory is ours.
            return lines == 1 ? only : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
