package vmm.x86.emu.internal.cpu;

import java.nio.charset.StandardCharsets;


import vmm.x86.emu.internal.fpu.FpuUnit;

/**
 * The CPUID model: an AMD identity like QEMU's qemu64 (so Linux does not turn on page-table
 * isolation), reporting only what this CPU implements. The x87/SSE bits come from the FPU unit
 * ({@code FpuUnit.CPUID1_EDX}, {@code FpuUnit.CPUID1_ECX}).
 */
public final class Cpuid {

    /** What the x87/SIMD unit implements, as it states it. */
    static final int FPU_EDX = FpuUnit.CPUID1_EDX;
    static final int FPU_ECX = FpuUnit.CPUID1_ECX;

    /** pse, tsc, msr, pae, cx8, sep, mtrr, pge, cmov, pat, clflush. */
    private static final int CORE_EDX = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 11) | (1 << 12)
            | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 19);
    private static final int SIGNATURE = 0x00060fb1;
    private static final int[] VENDOR = words("AuthenticAMD", 3);
    private static final int[] HV_VENDOR = words("VMMJavaEmu\0\0", 3);
    private static final int[] BRAND = words("VMM Java software x86-64 CPU", 12);
    /** The APIC bus (LAPIC timer) frequency told to the guest in leaf 0x40000010, kHz. */
    public static final int APIC_BUS_KHZ = 1_000_000;

    private Cpuid() {
    }

    private static int[] words(String s, int n) {
        byte[] b = java.util.Arrays.copyOf(s.getBytes(StandardCharsets.US_ASCII), n * 4);
        int[] w = new int[n];
        for (int k = 0; k < n; k++) {
            w[k] = (b[4 * k] & 0xff) | (b[4 * k + 1] & 0xff) << 8 | (b[4 * k + 2] & 0xff) << 16
                    | (b[4 * k + 3] & 0xff) << 24;
        }
        return w;
    }

    /** CPUID.1:EDX.APIC follows IA32_APIC_BASE's global enable bit, as on hardware. */
    private static boolean apicEnabled(Cpu c) {
        return c.port != null && (c.port.apicBase() & 0x800) != 0;
    }

    /** x2APIC only where the local APIC implements it (never with KVM's or without a port). */
    private static boolean x2apic(Cpu c) {
        return c.port != null && c.port.x2apicSupported();
    }

    private static int coreIdBits(int cores) {
        int bits = 0;
        while ((1 << bits) < cores) {
            bits++;
        }
        return bits;
    }

    /** Executes CPUID for the leaf in EAX and subleaf in ECX. */
    public static void execute(Cpu c) {
        int leaf = (int) c.r[0];
        int a = 0;
        int b = 0;
        int cx = 0;
        int d = 0;
        switch (leaf) {
            case 0 -> {
                a = 0xb;
                b = VENDOR[0];
                d = VENDOR[1];
                cx = VENDOR[2];
            }
            case 1 -> {
                a = SIGNATURE;
                b = (c.index << 24) | (Math.min(c.vcpuCount, 255) << 16) | (8 << 8);
                // tsc_deadline_timer with a local APIC: Linux then needs no LAPIC timer calibration,
                // which under emulation came out a few percent off the PM timer.
                // RDRAND (bit 30): Linux seeds its RNG from it at boot instead of hashing its input
                // pool on every early request for random bytes.
                cx = FPU_ECX | (1 << 31) | (1 << 30) | (c.port != null ? 1 << 24 : 0) | (x2apic(c) ? 1 << 21 : 0);
                // HTT with CmpLegacy (leaf 0x80000001) says: the package's logical processors are cores.
                d = CORE_EDX | FPU_EDX | (apicEnabled(c) ? 1 << 9 : 0) | (c.vcpuCount > 1 ? 1 << 28 : 0);
            }
            case 7 -> {
                // Structured extended features, subleaf 0 only: RDSEED.
                if ((int) c.r[1] == 0) {
                    b = 1 << 18;
                }
            }
            case 0xb -> {
                // Extended topology (the x2APIC IDs): one thread per core, every vCPU a core of one
                // package, as leaf 0x80000008 says.
                int sub = (int) c.r[1];
                if (sub == 0) {
                    b = 1;
                    cx = 1 << 8;
                } else if (sub == 1) {
                    a = coreIdBits(c.vcpuCount);
                    b = c.vcpuCount;
                    cx = 1 | (2 << 8);
                } else {
                    cx = sub & 0xff;
                }
                d = c.index;
            }
            case 0x40000000 -> {
                a = 0x40000010;
                b = HV_VENDOR[0];
                cx = HV_VENDOR[1];
                d = HV_VENDOR[2];
            }
            case 0x40000010 -> {
                a = (int) c.tscKhz;
                b = APIC_BUS_KHZ;
            }
            case 0x80000000 -> {
                a = 0x80000008;
                b = VENDOR[0];
                d = VENDOR[1];
                cx = VENDOR[2];
            }
            case 0x80000001 -> {
                a = SIGNATURE;
                cx = 1 | (c.vcpuCount > 1 ? 1 << 1 : 0);
                d = (1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29);
            }
            case 0x80000002, 0x80000003, 0x80000004 -> {
                int o = (leaf - 0x80000002) * 4;
                a = BRAND[o];
                b = BRAND[o + 1];
                cx = BRAND[o + 2];
                d = BRAND[o + 3];
            }
            case 0x80000007 -> d = 1 << 8;
            case 0x80000008 -> {
                a = 0x3028;
                // Every vCPU a core of one package (APIC ID = core number), as a multi-core K8 says:
                // Linux then takes an AP's delay-loop calibration from its sibling instead of
                // measuring it against jiffies, which an emulated AP cannot do reliably.
                cx = Math.min(c.vcpuCount, 256) - 1 | (coreIdBits(c.vcpuCount) << 12);
            }
            default -> {
                // Leaves 2-0xa and 0x80000005/6 exist but report nothing (no cache, feature,
                // power or performance-monitoring data).
            }
        }
        c.r[0] = a & 0xffffffffL;
        c.r[3] = b & 0xffffffffL;
        c.r[1] = cx & 0xffffffffL;
        c.r[2] = d & 0xffffffffL;
    }
}
