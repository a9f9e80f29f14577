package dev.troupe.bench.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How much of the machine's CPU time went to other processes while the benchmarks ran, from Linux's
 * /proc: the machine's busy time ({@code /proc/stat}) minus this JVM's own and that of its reaped
 * children, the JMH forks ({@code /proc/self/stat} utime + stime + cutime + cstime). libtorch's
 * OpenMP threads slow down far more than proportionally when another process takes a core, so a
 * share of more than a few percent means the figures are not a baseline.
 *
 * @param machineBusyTicks busy (not idle, not iowait) time of all cores, in clock ticks
 * @param machineTotalTicks all time of all cores, in clock ticks
 * @param selfAndChildrenTicks CPU time of this process and its reaped children, in clock ticks
 */
record CpuAccounting(long machineBusyTicks, long machineTotalTicks, long selfAndChildrenTicks) {

    /** Counters now, or empty where /proc is not there (not Linux). */
    static Optional<CpuAccounting> sample() {
        try {
            Path stat = Path.of("/proc/stat");
            Path self = Path.of("/proc/self/stat");
            if (!Files.isReadable(stat) || !Files.isReadable(self)) {
                return Optional.empty();
            }
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
            String[] cpu = Files.readAllLines(stat).get(0).trim().split("\\s+");
            long busy = 0;
            long total = 0;
            for (int i = 1; i <= 8 && i < cpu.length; i++) {
                long v = Long.parseLong(cpu[i]);
                total += v;
                if (i != 4 && i != 5) {
                    busy += v;
                }
            }
            // Fields after the ")" that ends the command name: state is field 3, utime field 14.
            String s = Files.readString(self);
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
            long own = 0;
            for (int field = 14; field <= 17; field++) {
                own += Long.parseLong(f[field - 3]);
            }
            return Optional.of(new CpuAccounting(busy, total, own));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The share of all cores' time between {@code before} and this sample that other processes
     * used: 0 on an otherwise idle machine, 0.5 if another process kept one of two cores busy.
     */
    double otherProcessesShareSince(CpuAccounting before) {
        long total = machineTotalTicks - before.machineTotalTicks;
        if (total <= 0) {
            return 0;
        }
        long others =
                (machineBusyTicks - before.machineBusyTicks)
                        - (selfAndChildrenTicks - before.selfAndChildrenTicks);
        return Math.max(0, (double) others / total);
    }
}
