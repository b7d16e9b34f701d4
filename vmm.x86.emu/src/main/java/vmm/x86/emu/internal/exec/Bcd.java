package vmm.x86.emu.internal.exec;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.GuestFault;

/** DAA, DAS, AAA, AAS, AAM, AAD (legacy modes only; the decoder makes them #UD in 64-bit mode). */
final class Bcd {
    private Bcd() {
    }

    private static long szp(long v) {
        long f = 0;
        v &= 0xff;
        if (v == 0) {
            f |= Flags.ZF;
        }
        if ((v & 0x80) != 0) {
            f |= Flags.SF;
        }
        if ((Long.bitCount(v) & 1) == 0) {
            f |= Flags.PF;
        }
        return f;
    }

    static void daa(Cpu c, boolean sub) {
        long f = Flags.arith(c);
        long al = c.r[0] & 0xff;
        long oldAl = al;
        boolean oldCf = (f & Flags.CF) != 0;
        boolean cf = false;
        boolean af = false;
        if ((al & 0xf) > 9 || (f & Flags.AF) != 0) {
            al = sub ? al - 6 : al + 6;
            cf = oldCf || (sub ? oldAl < 6 : al > 0xff);
            af = true;
        }
        if (oldAl > 0x99 || oldCf) {
            al = sub ? al - 0x60 : al + 0x60;
            cf = true;
        }
        c.setReg(0, 1, al);
        Flags.setArith(c, szp(al) | (cf ? Flags.CF : 0) | (af ? Flags.AF : 0));
    }

    static void aaa(Cpu c, boolean sub) {
        long f = Flags.arith(c);
        long ax = c.r[0] & 0xffff;
        boolean adjust = (ax & 0xf) > 9 || (f & Flags.AF) != 0;
        if (adjust) {
            if (sub) {
                ax = ((ax - 6) & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
            } else {
                ax = (ax + 0x106) & 0xffff;
            }
        }
        ax &= 0xff0f;
        c.setReg(0, 2, ax);
        long nf = f & ~(Flags.CF | Flags.AF);
        Flags.setArith(c, adjust ? nf | Flags.CF | Flags.AF : nf);
    }

    static void aam(Cpu c, int base) {
        if (base == 0) {
            throw c.raise(GuestFault.DE);
        }
        long al = c.r[0] & 0xff;
        long r = ((al / base) << 8) | (al % base);
        c.setReg(0, 2, r);
        Flags.setArith(c, szp(r));
    }

    static void aad(Cpu c, int base) {
        long ax = c.r[0];
        long al = ((ax & 0xff) + ((ax >> 8) & 0xff) * base) & 0xff;
        c.setReg(0, 2, al);
        Flags.setArith(c, szp(al));
    }

    static void salc(Cpu c) {
        c.setReg(0, 1, Flags.cf(c) ? 0xff : 0);
    }
}
