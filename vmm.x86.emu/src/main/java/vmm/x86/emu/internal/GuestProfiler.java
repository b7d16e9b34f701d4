package vmm.x86.emu.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.x86.emu.internal.cpu.Cpu;

/**
 * A sampling profiler of the guest, for finding where a guest spends its time on this CPU
 * (which no host profiler can see): with {@code -Dvmm.emu.profile=PREFIX}, a thread per vCPU
 * reads the vCPU's instruction pointer every millisecond and, when the VMM exits, writes
 * {@code PREFIX.N} (N the vCPU) with one "samples linear-address" line per address, most
 * sampled first. The reads race with the vCPU on purpose: a sample is a hint, not state.
 */
final class GuestProfiler {
    private static final Logger LOG = LoggerFactory.getLogger(GuestProfiler.class);

    private GuestProfiler() {
    }

    static void startIfAsked(Cpu cpu, int index) {
        String prefix = System.getProperty("vmm.emu.profile");
        if (prefix == null || prefix.isEmpty()) {
            return;
        }
        Map<Long, int[]> counts = new HashMap<>();
        Thread sampler = new Thread(() -> {
            while (true) {
                long rip = cpu.rip;
                long lin = cpu.longMode64 ? rip : (cpu.segBase[Cpu.CS] + rip) & 0xffffffffL;
                synchronized (counts) {
                    counts.computeIfAbsent(lin, k -> new int[1])[0]++;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }, "vmm-emu-profile-" + index);
        sampler.setDaemon(true);
        sampler.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Path out = Path.of(prefix + "." + index);
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
                synchronized (counts) {
                    counts.entrySet().stream().sorted((a, b) -> b.getValue()[0] - a.getValue()[0])
                            .forEach(e -> w.printf("%d %x%n", e.getValue()[0], e.getKey()));
                }
            } catch (IOException e) {
                LOG.warn("guest profile {} not written", out, e);
            }
        }));
        LOG.info("vCPU {}: sampling the guest's instruction pointer into {}.{}", index, prefix, index);
    }
}
