package vmm.x86.emu.internal.exec;

import java.security.SecureRandom;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/**
 * RDRAND and RDSEED: the host's cryptographic random source stands in for the DRNG. They never
 * fail here (CF=1 every time), which the architecture allows; guests still loop on CF as they
 * must. Linux then seeds its RNG from the CPU at boot (CONFIG_RANDOM_TRUST_CPU), as on hardware.
 */
final class RandomOps {
    private static final SecureRandom SOURCE = new SecureRandom();

    private RandomOps() {
    }

    static void rdrand(Cpu c, Insn i) {
        long v;
        synchronized (SOURCE) {
            v = SOURCE.nextLong();
        }
        c.setReg(i.rm, i.osz, v);
        // CF=1: a value was delivered; OF, SF, ZF, AF and PF are cleared.
        Flags.setArith(c, Flags.CF);
    }
}
