package vmm.core.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small multiboot v1 kernels so tests can spoil single fields: an i386 ELF32 whose
 * first PT_LOAD starts with the multiboot header, or a flat image with the a.out-kludge
 * addresses.
 */
final class SyntheticMultiboot {

    static final int MAGIC = 0x1BADB002;

    private record Load(long paddr, long vaddr, byte[] data, long memsz) {
    }

    private final List<Load> loads = new ArrayList<>();
    private long entry;
    private int elfClass = 1;
    private int flags = 0;
    private int checksumDelta = 0;

    SyntheticMultiboot load(long paddr, byte[] data, long memsz) {
        return load(paddr, paddr, data, memsz);
    }

    SyntheticMultiboot load(long paddr, long vaddr, byte[] data, long memsz) {
        loads.add(new Load(paddr, vaddr, data, memsz));
        return this;
    }

    SyntheticMultiboot entry(long entry) {
        this.entry = entry;
        return this;
    }

    SyntheticMultiboot elfClass(int elfClass) {
        this.elfClass = elfClass;
        return this;
    }

    SyntheticMultiboot flags(int flags) {
        this.flags = flags;
        return this;
    }

    SyntheticMultiboot spoilChecksum() {
        this.checksumDelta = 1;
        return this;
    }

    static byte[] header(int flags, int checksumDelta, int... addresses) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * addresses.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(flags).putInt(-(MAGIC + flags) + checksumDelta);
        for (int a : addresses) {
            b.putInt(a);
        }
        return b.array();
    }

    /** An ELF32 with the header at the start of the first segment's data. */
    byte[] buildElf() {
        int phnum = loads.size();
        int phoff = 52;
        long offset = phoff + 32L * phnum;
        long[] offsets = new long[phnum];
        for (int i = 0; i < phnum; i++) {
            offset = (offset + 15) & ~15L;
            offsets[i] = offset;
            offset += loads.get(i).data().length;
        }
        ByteBuffer b = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, 1, 1});
        b.putShort(16, (short) 2);
        b.putShort(18, (short) 3);
        b.putInt(20, 1);
        b.putInt(24, (int) entry);
        b.putInt(28, phoff);
        b.putShort(40, (short) 52);
        b.putShort(42, (short) 32);
        b.putShort(44, (short) phnum);
        for (int i = 0; i < phnum; i++) {
            Load l = loads.get(i);
            int at = phoff + 32 * i;
            b.putInt(at, 1);
            b.putInt(at + 4, (int) offsets[i]);
            b.putInt(at + 8, (int) l.vaddr());
            b.putInt(at + 12, (int) l.paddr());
            b.putInt(at + 16, l.data().length);
            b.putInt(at + 20, (int) l.memsz());
            b.putInt(at + 24, 5);
            b.put((int) offsets[i], l.data());
        }
        byte[] h = header(flags, checksumDelta);
        b.put((int) offsets[0], h);
        return b.array();
    }
}
