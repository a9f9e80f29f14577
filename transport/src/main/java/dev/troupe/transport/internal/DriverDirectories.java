package dev.troupe.transport.internal;

import io.aeron.CncFileDescriptor;
import java.io.File;
import java.nio.MappedByteBuffer;
import java.util.OptionalLong;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Aeron directories left behind by a media driver whose process is gone. Aeron itself refuses to
 * start in a directory whose driver heartbeat is younger than the driver timeout, which blocks a
 * node that restarts right after it was killed; the process id in {@code cnc.dat} tells a dead
 * driver from a live one.
 */
public final class DriverDirectories {
    private DriverDirectories() {}

    /**
     * The process id of the driver that wrote {@code dir/cnc.dat}, if the file is there and
     * complete.
     */
    public static OptionalLong driverPid(File dir) {
        File cnc = new File(dir, CncFileDescriptor.CNC_FILE);
        if (!cnc.isFile() || cnc.length() < CncFileDescriptor.META_DATA_LENGTH) {
            return OptionalLong.empty();
        }
        MappedByteBuffer mapped = IoUtil.mapExistingFile(cnc, "cnc");
        try {
            UnsafeBuffer meta = CncFileDescriptor.createMetaDataBuffer(mapped);
            int version = meta.getIntVolatile(CncFileDescriptor.cncVersionOffset(0));
            if (version == 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(CncFileDescriptor.pid(meta));
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    /**
     * Deletes {@code dir} when it holds a driver's files and that driver's process no longer runs
     * (or the files are incomplete). Returns whether it deleted anything. A directory of a live
     * driver is left alone.
     */
    public static boolean deleteIfStale(File dir) {
        if (!dir.exists()) {
            return false;
        }
        OptionalLong pid = driverPid(dir);
        boolean alive =
                pid.isPresent()
                        && pid.getAsLong() != ProcessHandle.current().pid()
                        && ProcessHandle.of(pid.getAsLong())
                                .map(ProcessHandle::isAlive)
                                .orElse(false);
        boolean ours = pid.isPresent() && pid.getAsLong() == ProcessHandle.current().pid();
        if (alive || ours) {
            return false;
        }
        IoUtil.delete(dir, false);
        return true;
    }
}
