package vmm.x86.emu.internal.exec;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.fpu.FpuHost;

/** What the x87/SSE unit sees of the integer core while it executes one instruction. */
public final class FpuBridge implements FpuHost {
    private final Cpu c;
    private int seg;
    private long ea;
    private int asz;
    /** MASKMOVQ/MASKMOVDQU store at DS:rDI (or the override), with the instruction's address size. */
    private int rdiSeg;
    private int rdiAsz;

    public FpuBridge(Cpu c) {
        this.c = c;
    }

    void execute(Cpu cpu, Insn i) {
        rdiSeg = i.seg;
        rdiAsz = i.asz;
        if (i.mem) {
            seg = i.seg;
            ea = Operands.ea(cpu, i);
            asz = i.asz;
        }
        cpu.fpu.execute(i.simd, this);
    }

    private long at(int offset) {
        return Operands.mask(ea + offset, asz);
    }

    @Override
    public long load(int offset, int size) {
        return c.mem.read(seg, at(offset), size);
    }

    @Override
    public void store(int offset, int size, long value) {
        c.mem.write(seg, at(offset), size, value);
    }

    @Override
    public void storeAtRdi(int offset, int size, long value) {
        c.mem.write(rdiSeg, Operands.mask(c.r[7] + offset, rdiAsz), size, value);
    }

    @Override
    public void probeWrite(int length, int alignment) {
        checkAlignment(alignment);
        for (int done = 0; done < length; done += 4096) {
            c.mem.probeWrite(seg, at(done), Math.min(4096, length - done));
        }
        c.mem.probeWrite(seg, at(length - 1), 1);
    }

    @Override
    public void checkAlignment(int alignment) {
        if (alignment > 1) {
            long lin = c.segEff[seg] + ea;
            if ((lin & (alignment - 1)) != 0) {
                throw c.gp(0);
            }
        }
    }

    @Override
    public long gpr(int index) {
        return c.r[index];
    }

    @Override
    public void setGpr(int index, int size, long value) {
        c.setReg(index, size, value);
    }

    @Override
    public void setCompareFlags(boolean zf, boolean pf, boolean cf) {
        Flags.setArith(c, (zf ? Flags.ZF : 0) | (pf ? Flags.PF : 0) | (cf ? Flags.CF : 0));
    }

    @Override
    public long rflags() {
        return c.rflags();
    }

    @Override
    public long cr0() {
        return c.cr0;
    }

    @Override
    public long cr4() {
        return c.cr4;
    }

    @Override
    public int codeSize() {
        return c.codeSize * 8;
    }

    @Override
    public RuntimeException fault(int vector) {
        return c.raise(vector);
    }
}
