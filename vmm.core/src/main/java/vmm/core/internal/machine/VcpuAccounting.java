package vmm.core.internal.machine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.machine.VcpuStats;

/**
 * Per-vCPU accounting for vcpuinfo and domstats: CPU time from the JVM's thread CPU clock, the
 * host CPU from Linux's /proc (field 39 of the thread's stat: the CPU it last ran on). Each vCPU
 * thread records its kernel thread id when it starts, since Java does not expose it.
 */
final class VcpuAccounting {
    private static final Logger LOG = LoggerFactory.getLogger(VcpuAccounting.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final AtomicIntegerArray tids;
    private volatile boolean procWarned;

    VcpuAccounting(int vcpus) {
        tids = new AtomicIntegerArray(vcpus);
    }

    /** Called on vCPU {@code index}'s own thread. */
    void register(int index) {
        try {
            // /proc/thread-self -> "PID/task/TID"
            Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            tids.set(index, Integer.parseInt(link.getFileName().toString()));
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot read this thread's id from /proc/thread-self: " + e);
        }
    }

    List<VcpuStats> stats(Thread[] threads) {
        List<VcpuStats> out = new ArrayList<>(threads.length);
        for (int i = 0; i < threads.length; i++) {
            Thread t = threads[i];
            long ns = 0;
            if (t != null && THREADS.isThreadCpuTimeSupported()) {
                ns = Math.max(0, THREADS.getThreadCpuTime(t.threadId()));
            }
            out.add(new VcpuStats(i, ns, hostCpu(tids.get(i))));
        }
        return out;
    }

    private int hostCpu(int tid) {
        if (tid == 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            // The command name (field 2) may hold spaces: count fields after its closing ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Integer.parseInt(f[39 - 3]);
        } catch (java.nio.file.NoSuchFileException ended) {
            return -1;
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot read the host CPU of thread " + tid + ": " + e);
            return -1;
        }
    }

    private void warnOnce(String message) {
        if (!procWarned) {
            procWarned = true;
            LOG.warn("vCPU accounting: {}", message);
        }
    }
}
