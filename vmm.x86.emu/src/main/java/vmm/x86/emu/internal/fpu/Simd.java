package vmm.x86.emu.internal.fpu;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execution context of one instruction: the register file, the MXCSR engine, the host and
 * the decoded instruction, with the operand accessors and the architectural checks (#UD, #NM,
 * #MF) that every family shares.
 */
final class Simd {

    private static final Logger LOG = LoggerFactory.getLogger(FpuUnit.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    static final long CR0_EM = 1L << 2;
    static final long CR0_TS = 1L << 3;
    static final long CR0_MP = 1L << 1;
    static final long CR4_OSFXSR = 1L << 9;

    final SimdState s = new SimdState();
    final Mxcsr mx = new Mxcsr(s);
    FpuHost host;
    SimdInsn insn;

    // ---- faults ----

    RuntimeException ud() {
        return host.fault(6);
    }

    /** Logs an opcode this unit does not implement (once per opcode) and raises #UD. */
    RuntimeException unimplemented() {
        String key = String.format("map=%x prefix=%x opcode=%02x modrm=%s", insn.map(), insn.prefix(),
                insn.opcode(), insn.modrm() < 0 ? "none" : String.format("%02x", insn.modrm()));
        if (LOGGED.add(key)) {
            LOG.warn("x87/SIMD instruction not implemented, raising #UD: {}", key);
        }
        return host.fault(6);
    }

    /** SSE/SSE2: #UD without CR4.OSFXSR or with CR0.EM, then #NM with CR0.TS. */
    void checkSse() {
        long cr0 = host.cr0();
        if ((cr0 & CR0_EM) != 0 || (host.cr4() & CR4_OSFXSR) == 0) {
            throw host.fault(6);
        }
        if ((cr0 & CR0_TS) != 0) {
            throw host.fault(7);
        }
    }

    /** MMX: #UD with CR0.EM, #NM with CR0.TS, #MF for a pending x87 exception; enters MMX state. */
    void checkMmx() {
        long cr0 = host.cr0();
        if ((cr0 & CR0_EM) != 0) {
            throw host.fault(6);
        }
        if ((cr0 & CR0_TS) != 0) {
            throw host.fault(7);
        }
        pendingX87();
    }

    /**
     * Raises #MF for an unmasked x87 exception left pending by an earlier instruction. With
     * CR0.NE clear a PC would signal it through FERR#/IRQ13; this unit raises #MF in both cases.
     */
    void pendingX87() {
        if ((s.fsw & 0x80) != 0) {
            throw host.fault(16);
        }
    }

    /** An MMX instruction sets TOP to 0 and tags every register valid. */
    void enterMmx() {
        s.top = 0;
        s.empty = 0;
    }

    // ---- XMM operands ----

    long lo(int reg) {
        return s.xmm[2 * reg];
    }

    long hi(int reg) {
        return s.xmm[2 * reg + 1];
    }

    void set(int reg, long lo, long hi) {
        s.xmm[2 * reg] = lo;
        s.xmm[2 * reg + 1] = hi;
    }

    /** The 128-bit source as {@link #load128} read it: no array per instruction. */
    long srcLo;
    long srcHi;

    /** Reads the 128-bit source (register or memory, aligned to 16 when {@code aligned}). */
    void load128(boolean aligned) {
        if (insn.memory()) {
            if (aligned) {
                host.checkAlignment(16);
            }
            srcLo = host.load(0, 8);
            srcHi = host.load(8, 8);
        } else {
            int rm = insn.rm();
            srcLo = s.xmm[2 * rm];
            srcHi = s.xmm[2 * rm + 1];
        }
    }

    /** The 128-bit source as {lo, hi}, for the lane loops of the less frequent instructions. */
    long[] src128(boolean aligned) {
        load128(aligned);
        return new long[]{srcLo, srcHi};
    }

    /** Dword {@code sel & 3} of the 128-bit value hi:lo, zero-extended. */
    static long dword(long lo, long hi, int sel) {
        return (((sel & 2) == 0 ? lo : hi) >>> (32 * (sel & 1))) & 0xffffffffL;
    }

    /** The low 64 bits of the source (register low quadword or m64). */
    long src64() {
        return insn.memory() ? host.load(0, 8) : lo(insn.rm());
    }

    int src32() {
        return insn.memory() ? (int) host.load(0, 4) : (int) lo(insn.rm());
    }

    void store128(long l, long h, boolean aligned) {
        if (aligned) {
            host.checkAlignment(16);
        }
        host.probeWrite(16, 0);
        host.store(0, 8, l);
        host.store(8, 8, h);
    }

    // ---- MMX operands: MMi is the significand of physical register Ri ----

    long mm(int i) {
        return s.mant[i & 7];
    }

    void setMm(int i, long v) {
        s.mant[i & 7] = v;
        s.se[i & 7] = 0xffff;
    }

    long mmSrc() {
        return insn.memory() ? host.load(0, 8) : mm(insn.rm());
    }

    // ---- general registers ----

    /** The 32- or 64-bit general register or memory source of MOVD/MOVQ and CVTSI2xx. */
    long gprOrMem(int size) {
        if (insn.memory()) {
            return size == 8 ? host.load(0, 8) : host.load(0, 4) & 0xffffffffL;
        }
        long v = host.gpr(insn.rm());
        return size == 8 ? v : v & 0xffffffffL;
    }
}
