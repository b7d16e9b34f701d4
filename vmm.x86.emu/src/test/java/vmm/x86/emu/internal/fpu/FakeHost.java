package vmm.x86.emu.internal.fpu;

/** An FpuHost over a 64-byte memory operand, sixteen registers and fixed control registers. */
class FakeHost implements FpuHost {

    /** A guest exception raised through {@link #fault}. */
    static final class Fault extends RuntimeException {
        final int vector;

        Fault(int vector) {
            super("vector " + vector, null, false, false);
            this.vector = vector;
        }
    }

    final byte[] mem;
    final long[] gpr = new long[16];
    long rflags = 0x202;
    long cr0 = 0x33;
    long cr4 = 0x600;
    int codeSize = 64;
    FakeHost() {
        this(64);
    }

    FakeHost(int memSize) {
        mem = new byte[memSize];
    }

    @Override
    public long load(int offset, int size) {
        check(offset, size);
        return SimdState.get(mem, offset, size);
    }

    @Override
    public void store(int offset, int size, long value) {
        check(offset, size);
        SimdState.put(mem, offset, size, value);
    }

    private void check(int offset, int size) {
        if (offset < 0 || offset + size > mem.length) {
            throw new Fault(14);
        }
    }

    @Override
    public void probeWrite(int length, int alignment) {
        if (length > mem.length) {
            throw new Fault(14);
        }
    }

    @Override
    public void checkAlignment(int alignment) {
    }

    @Override
    public long gpr(int index) {
        return gpr[index];
    }

    @Override
    public void setGpr(int index, int size, long value) {
        gpr[index] = switch (size) {
            case 8 -> value;
            case 4 -> value & 0xffffffffL;
            case 2 -> (gpr[index] & ~0xffffL) | (value & 0xffff);
            default -> (gpr[index] & ~0xffL) | (value & 0xff);
        };
    }

    @Override
    public void setCompareFlags(boolean zf, boolean pf, boolean cf) {
        rflags &= ~0x8d5L;
        rflags |= (zf ? 0x40 : 0) | (pf ? 4 : 0) | (cf ? 1 : 0);
    }

    @Override
    public long rflags() {
        return rflags;
    }

    @Override
    public long cr0() {
        return cr0;
    }

    @Override
    public long cr4() {
        return cr4;
    }

    @Override
    public int codeSize() {
        return codeSize;
    }

    @Override
    public RuntimeException fault(int vector) {
        throw new Fault(vector);
    }

    @Override
    public void storeAtRdi(int offset, int size, long value) {
        store(offset, size, value);
    }
}
