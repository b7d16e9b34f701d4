package vmm.x86.emu.internal.cpu;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RDMSR/WRMSR. An MSR not listed here raises #GP, and is logged once per index. MTRRs read and
 * write like QEMU's (8 variable ranges, fixed ranges, write-combining), without effect on memory.
 */
public final class Msrs {
    private static final Logger LOG = LoggerFactory.getLogger(Msrs.class);
    private static final Set<Long> LOGGED = ConcurrentHashMap.newKeySet();

    public static final int TSC = 0x10, APIC_BASE = 0x1b, PATCH_LEVEL = 0x8b, MTRRCAP = 0xfe, SYSENTER_CS = 0x174, MCG_CAP = 0x179, MCG_STATUS = 0x17a,
            SYSENTER_ESP = 0x175, SYSENTER_EIP = 0x176, MISC_ENABLE = 0x1a0, PAT = 0x277, MTRR_DEF_TYPE = 0x2ff,
            TSC_DEADLINE = 0x6e0, EFER = 0xc0000080, STAR = 0xc0000081, LSTAR = 0xc0000082, CSTAR = 0xc0000083,
            SFMASK = 0xc0000084, FS_BASE = 0xc0000100, GS_BASE = 0xc0000101, KERNEL_GS_BASE = 0xc0000102,
            TSC_AUX = 0xc0000103, AMD_SYSCFG = 0xc0010010, AMD_HWCR = 0xc0010015,
            AMD_INT_PENDING = 0xc0010055, AMD_PERF_CTL0 = 0xc0010000,
            AMD_PERF_CORE = 0xc0010200;
    /** The x2APIC's registers, served by the local APIC ({@code InterruptPort.readX2apicMsr}). */
    static final int X2APIC_FIRST = 0x800, X2APIC_LAST = 0x8ff, X2APIC_ICR = 0x830;

    /**
     * After sending an IPI: with several vCPUs the sender gives up the host CPU once, so that the
     * target (which the sender usually spins waiting for) runs soon even when the host has fewer
     * free cores than vCPUs, as a directed yield does.
     */
    public static void yieldAfterIpi(Cpu c) {
        if (c.vcpuCount > 1) {
            Thread.yield();
        }
    }
    private static final int[] FIXED = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f};

    private Msrs() {
    }

    public static long tsc(Cpu c) {
        long ns = c.clock.getAsLong() - c.tscEpochNanos;
        long khz = c.tscKhz;
        // Split so that hours of uptime times a GHz clock do not overflow.
        return (ns / 1_000_000) * khz + (ns % 1_000_000) * khz / 1_000_000 + c.tscOffset;
    }

    /** The value of MSR {@code index}; throws #GP for an unknown one. */
    public static long read(Cpu c, long index) {
        int idx = (int) index;
        switch (idx) {
            case TSC:
                return tsc(c);
            case APIC_BASE:
                return c.port != null ? c.port.apicBase() : c.apicBaseNoPort | (c.index == 0 ? 0x100 : 0);
            case PATCH_LEVEL:
                return 0;
            case MCG_CAP, MCG_STATUS:
                // No machine-check banks (MCE/MCA are not advertised).
                return 0;
            case MTRRCAP:
                return 0x508;
            case SYSENTER_CS:
                return c.sysenterCs;
            case SYSENTER_ESP:
                return c.sysenterEsp;
            case SYSENTER_EIP:
                return c.sysenterEip;
            case MISC_ENABLE:
                return c.miscEnable;
            case PAT:
                return c.pat;
            case MTRR_DEF_TYPE:
                return c.mtrrDefType;
            case TSC_DEADLINE:
                if (c.port == null) {
                    break;
                }
                return c.port.tscDeadline();
            case EFER:
                return c.efer;
            case STAR:
                return c.star;
            case LSTAR:
                return c.lstar;
            case CSTAR:
                return c.cstar;
            case SFMASK:
                return c.sfmask;
            case FS_BASE:
                return c.segBase[Cpu.FS];
            case GS_BASE:
                return c.segBase[Cpu.GS];
            case KERNEL_GS_BASE:
                return c.kernelGsBase;
            case TSC_AUX:
                return c.tscAux;
            case AMD_SYSCFG:
                return c.amdSyscfg;
            case AMD_HWCR:
                return c.amdHwcr;
            case AMD_INT_PENDING:
                // No C1E: nothing to report (Linux reads it unguarded on family 0Fh, erratum 400).
                return 0;
            default:
                if (idx >= X2APIC_FIRST && idx <= X2APIC_LAST) {
                    if (c.port == null) {
                        break;
                    }
                    java.util.OptionalLong v = c.port.readX2apicMsr(idx);
                    if (v.isEmpty()) {
                        throw c.gp(0); // not in x2APIC mode, or no such readable register
                    }
                    return v.getAsLong();
                }
                if (idx >= 0x200 && idx < 0x210) {
                    return c.mtrrVar[idx - 0x200];
                }
                if (idx >= AMD_PERF_CTL0 && idx < AMD_PERF_CTL0 + 8) {
                    return c.amdPerf[idx - AMD_PERF_CTL0];
                }
                if (idx >= AMD_PERF_CORE && idx < AMD_PERF_CORE + 12) {
                    return c.amdPerf[8 + idx - AMD_PERF_CORE];
                }
                for (int k = 0; k < FIXED.length; k++) {
                    if (FIXED[k] == idx) {
                        return c.mtrrFixed[k];
                    }
                }
        }
        unknown(c, "RDMSR", index, 0);
        throw c.gp(0);
    }

    /** Writes MSR {@code index}; throws #GP for an unknown MSR or an invalid value. */
    public static void write(Cpu c, long index, long v) {
        int idx = (int) index;
        switch (idx) {
            case TSC -> c.tscOffset += v - tsc(c);
            case APIC_BASE -> {
                if (c.port != null) {
                    if (!c.port.setApicBase(v)) {
                        throw c.gp(0);
                    }
                } else {
                    c.apicBaseNoPort = v;
                }
            }
            case PATCH_LEVEL -> {
            }
            case MCG_STATUS -> {
                if (v != 0) {
                    throw c.gp(0);
                }
            }
            case SYSENTER_CS -> c.sysenterCs = v & 0xffff;
            case SYSENTER_ESP -> c.sysenterEsp = canonical(c, v);
            case SYSENTER_EIP -> c.sysenterEip = canonical(c, v);
            case MISC_ENABLE -> c.miscEnable = v;
            case PAT -> {
                for (int k = 0; k < 8; k++) {
                    int t = (int) (v >>> (8 * k)) & 0xff;
                    if (t == 2 || t == 3 || t > 7) {
                        throw c.gp(0);
                    }
                }
                c.pat = v;
            }
            case MTRR_DEF_TYPE -> c.mtrrDefType = v & 0xcff;
            case TSC_DEADLINE -> {
                if (c.port == null) {
                    unknown(c, "WRMSR", index, v);
                    throw c.gp(0);
                }
                c.port.setTscDeadline(v, tsc(c));
            }
            case EFER -> writeEfer(c, v);
            case STAR -> c.star = v;
            case LSTAR -> c.lstar = canonical(c, v);
            case CSTAR -> c.cstar = canonical(c, v);
            case SFMASK -> c.sfmask = v & 0xffffffffL;
            case FS_BASE -> {
                c.segBase[Cpu.FS] = canonical(c, v);
                c.updateMode();
            }
            case GS_BASE -> {
                c.segBase[Cpu.GS] = canonical(c, v);
                c.updateMode();
            }
            case KERNEL_GS_BASE -> c.kernelGsBase = canonical(c, v);
            case TSC_AUX -> c.tscAux = v & 0xffffffffL;
            // Kept but without effect: no fixed-range MTRR DRAM bits, no SMM; Linux reads SYSCFG unguarded.
            case AMD_SYSCFG -> c.amdSyscfg = v;
            case AMD_HWCR -> c.amdHwcr = v;
            case AMD_INT_PENDING -> {
            }
            default -> {
                if (idx >= X2APIC_FIRST && idx <= X2APIC_LAST && c.port != null) {
                    if (!c.port.writeX2apicMsr(idx, v)) {
                        throw c.gp(0);
                    }
                    if (idx == X2APIC_ICR) {
                        yieldAfterIpi(c);
                    }
                    return;
                }
                if (idx >= 0x200 && idx < 0x210) {
                    c.mtrrVar[idx - 0x200] = v;
                    return;
                }
                if (idx >= AMD_PERF_CTL0 && idx < AMD_PERF_CTL0 + 8) {
                    // The four legacy AMD counters exist on every AMD64 CPU; here they hold values but never count.
                    c.amdPerf[idx - AMD_PERF_CTL0] = idx < AMD_PERF_CTL0 + 4 ? v & 0xffffffffL : v & 0xffffffffffffL;
                    return;
                }
                if (idx >= AMD_PERF_CORE && idx < AMD_PERF_CORE + 12) {
                    // The core counters' PERF_CTL/PERF_CTR pairs (PerfCtrExtCore's MSRs): KVM lets
                    // them be read and written whatever CPUID says, and guests probe them.
                    c.amdPerf[8 + idx - AMD_PERF_CORE] = (idx & 1) == 0 ? v & 0xffffffffL : v & 0xffffffffffffL;
                    return;
                }
                for (int k = 0; k < FIXED.length; k++) {
                    if (FIXED[k] == idx) {
                        c.mtrrFixed[k] = v;
                        return;
                    }
                }
                unknown(c, "WRMSR", index, v);
                throw c.gp(0);
            }
        }
    }

    private static void writeEfer(Cpu c, long v) {
        long allowed = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_NXE | Cpu.EFER_LMA;
        if ((v & ~allowed) != 0) {
            throw c.gp(0);
        }
        boolean lmeChange = ((v ^ c.efer) & Cpu.EFER_LME) != 0;
        if (lmeChange && c.paging()) {
            throw c.gp(0);
        }
        // LMA is the CPU's to set.
        c.efer = (v & ~Cpu.EFER_LMA) | (c.efer & Cpu.EFER_LMA);
        c.mem.flushAll();
        c.updateMode();
    }

    private static long canonical(Cpu c, long v) {
        if (!Interrupts.canonical(v)) {
            throw c.gp(0);
        }
        return v;
    }

    private static void unknown(Cpu c, String what, long index, long value) {
        if (LOGGED.add(index)) {
            LOG.info("vCPU {}: {} of unknown MSR 0x{} (value 0x{}) at rip 0x{}: #GP", c.index, what,
                    Long.toHexString(index), Long.toHexString(value), Long.toHexString(c.rip));
        }
    }

    /** The MSRs carried in a saved state. */
    public static Map<Integer, Long> save(Cpu c) {
        Map<Integer, Long> m = new TreeMap<>();
        m.put(STAR, c.star);
        m.put(LSTAR, c.lstar);
        m.put(CSTAR, c.cstar);
        m.put(SFMASK, c.sfmask);
        m.put(KERNEL_GS_BASE, c.kernelGsBase);
        m.put(SYSENTER_CS, c.sysenterCs);
        m.put(SYSENTER_ESP, c.sysenterEsp);
        m.put(SYSENTER_EIP, c.sysenterEip);
        m.put(TSC_AUX, c.tscAux);
        m.put(AMD_SYSCFG, c.amdSyscfg);
        m.put(AMD_HWCR, c.amdHwcr);
        m.put(PAT, c.pat);
        m.put(MISC_ENABLE, c.miscEnable);
        m.put(MTRR_DEF_TYPE, c.mtrrDefType);
        m.put(TSC, tsc(c));
        for (int k = 0; k < 16; k++) {
            m.put(0x200 + k, c.mtrrVar[k]);
        }
        for (int k = 0; k < FIXED.length; k++) {
            m.put(FIXED[k], c.mtrrFixed[k]);
        }
        // The AMD performance MSRs never count here, but a guest that programmed them reads them back.
        for (int k = 0; k < 8; k++) {
            m.put(AMD_PERF_CTL0 + k, c.amdPerf[k]);
        }
        for (int k = 0; k < 12; k++) {
            m.put(AMD_PERF_CORE + k, c.amdPerf[8 + k]);
        }
        return m;
    }

    public static void restore(Cpu c, Map<Integer, Long> msrs) {
        for (Map.Entry<Integer, Long> e : msrs.entrySet()) {
            int idx = e.getKey();
            long v = e.getValue();
            switch (idx) {
                case STAR -> c.star = v;
                case LSTAR -> c.lstar = v;
                case CSTAR -> c.cstar = v;
                case SFMASK -> c.sfmask = v;
                case KERNEL_GS_BASE -> c.kernelGsBase = v;
                case SYSENTER_CS -> c.sysenterCs = v;
                case SYSENTER_ESP -> c.sysenterEsp = v;
                case SYSENTER_EIP -> c.sysenterEip = v;
                case TSC_AUX -> c.tscAux = v;
                case AMD_SYSCFG -> c.amdSyscfg = v;
                case AMD_HWCR -> c.amdHwcr = v;
                case PAT -> c.pat = v;
                case MISC_ENABLE -> c.miscEnable = v;
                case MTRR_DEF_TYPE -> c.mtrrDefType = v;
                case TSC -> {
                    // As KVM does: a value within a second of the VM's common TSC is a state taken
                    // and given back moments apart (the boot state, a reset), so the vCPU stays on
                    // the common TSC; a per-vCPU offset of microseconds would be a warp between CPUs.
                    long offset = v - (tsc(c) - c.tscOffset);
                    c.tscOffset = Math.abs(offset) < c.tscKhz * 1000 ? 0 : offset;
                }
                default -> {
                    if (idx >= 0x200 && idx < 0x210) {
                        c.mtrrVar[idx - 0x200] = v;
                    } else if (idx >= AMD_PERF_CTL0 && idx < AMD_PERF_CTL0 + 8) {
                        c.amdPerf[idx - AMD_PERF_CTL0] = v;
                    } else if (idx >= AMD_PERF_CORE && idx < AMD_PERF_CORE + 12) {
                        c.amdPerf[8 + idx - AMD_PERF_CORE] = v;
                    } else {
                        for (int k = 0; k < FIXED.length; k++) {
                            if (FIXED[k] == idx) {
                                c.mtrrFixed[k] = v;
                            }
                        }
                    }
                }
            }
        }
    }
}
