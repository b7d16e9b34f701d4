package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import vmm.core.hypervisor.state.VcpuState;
import vmm.x86.emu.internal.jit.Jit;

/** Runs one program interpreted and with every block translated, for the JIT's whole-program tests. */
final class JitRuns {
    private JitRuns() {
    }

    /** Runs {@code source} on a fresh machine with the JIT as {@code jit} says; returns GPRs, RFLAGS and 64 data bytes. */
    static long[] run(boolean jit, String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        return run(jit, 1, source, setup, 8);
    }

    /** As {@link #run(boolean, String, java.util.function.Consumer)}, with {@code dataLongs} longs of data. */
    static long[] run(boolean jit, String source, java.util.function.Consumer<GuestRig> setup, int dataLongs)
            throws Exception {
        return run(jit, 1, source, setup, dataLongs);
    }

    /**
     * As {@link #run(boolean, String, java.util.function.Consumer, int)}, translating each block at its
     * {@code threshold}-th run: above 1, the blocks it led to are known by then, and a translation
     * covers them too (a region).
     */
    static long[] run(boolean jit, int threshold, String source, java.util.function.Consumer<GuestRig> setup,
            int dataLongs) throws Exception {
        Map<String, String> saved = new HashMap<>();
        for (String k : List.of("vmm.emu.jit", "vmm.emu.jit.threshold", "vmm.emu.jit.sync")) {
            saved.put(k, System.getProperty(k));
        }
        System.setProperty("vmm.emu.jit", Boolean.toString(jit));
        System.setProperty("vmm.emu.jit.threshold", Integer.toString(threshold));
        System.setProperty("vmm.emu.jit.sync", "true");
        try (GuestRig rig = new GuestRig()) {
            setup.accept(rig);
            VcpuState s = rig.run64(source);
            long[] out = new long[16 + 1 + dataLongs];
            System.arraycopy(s.regs().gpr(), 0, out, 0, 16);
            out[16] = s.regs().rflags();
            for (int k = 0; k < dataLongs; k++) {
                out[17 + k] = rig.memory.readLong(GuestRig.DATA + 8L * k);
            }
            return out;
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    /**
     * Runs {@code source} interpreted, with every block translated on first sight, and with blocks
     * translated at their third run together with the blocks they led to (regions); the registers,
     * RFLAGS and data must agree. Returns the first translated run's.
     */
    static long[] agree(String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        long[] interpreted = run(false, source, setup);
        long before = Jit.translated();
        long[] translated = run(true, source, setup);
        assertTrue(Jit.translated() > before, "nothing was translated");
        assertArrayEquals(interpreted, translated, "registers 0-15, RFLAGS, data[0..7]: interpreter vs translated");
        long[] regions = run(true, REGION_THRESHOLD, source, setup, 8);
        assertArrayEquals(interpreted, regions, "registers 0-15, RFLAGS, data[0..7]: interpreter vs translated regions");
        return translated;
    }

    /** The threshold at which the blocks a block led to are linked, so that translations cover them. */
    static final int REGION_THRESHOLD = 3;
}
