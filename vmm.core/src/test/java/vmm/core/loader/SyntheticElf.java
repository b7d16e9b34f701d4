package vmm.core.loader;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small x86-64 ELF executables shaped like a PVH vmlinux (PT_LOAD segments loaded by
 * physical address, a PT_NOTE with the Xen notes) so tests can spoil single fields. Program
 * headers: the loads in the order added, then the PT_NOTE if there are notes.
 */
final class SyntheticElf {

    static final int PHDRS = 64;
    static final int PHDR_SIZE = 56;

    private record Load(long paddr, byte[] data, long memsz) {
    }

    private final List<Load> loads = new ArrayList<>();
    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();

    SyntheticElf load(long paddr, byte[] data, long memsz) {
        loads.add(new Load(paddr, data, memsz));
        return this;
    }

    SyntheticElf note(String name, int type, byte[] desc) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(12 + pad4(n.length) + pad4(desc.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(n.length).putInt(desc.length).putInt(type).put(n);
        b.position(12 + pad4(n.length)).put(desc);
        notes.writeBytes(b.array());
        return this;
    }

    /** A PVH entry note as Linux writes it: an 8-byte address. */
    SyntheticElf pvhEntry(long entry) {
        return note("Xen", 18, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(entry).array());
    }

    byte[] build() {
        byte[] noteBytes = notes.toByteArray();
        int phnum = loads.size() + (noteBytes.length > 0 ? 1 : 0);
        long offset = PHDRS + (long) phnum * PHDR_SIZE;
        long noteOffset = offset;
        offset += noteBytes.length;
        long[] loadOffsets = new long[loads.size()];
        for (int i = 0; i < loads.size(); i++) {
            offset = (offset + 15) & ~15L;
            loadOffsets[i] = offset;
            offset += loads.get(i).data().length;
        }
        ByteBuffer b = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2);   // ET_EXEC
        b.putShort(18, (short) 62);  // EM_X86_64
        b.putInt(20, 1);
        b.putLong(24, loads.isEmpty() ? 0 : loads.getFirst().paddr());
        b.putLong(32, PHDRS);
        b.putShort(52, (short) 64);
        b.putShort(54, (short) PHDR_SIZE);
        b.putShort(56, (short) phnum);
        for (int i = 0; i < loads.size(); i++) {
            Load l = loads.get(i);
            phdr(b, i, 1, loadOffsets[i], l.paddr(), l.data().length, l.memsz());
            b.put((int) loadOffsets[i], l.data());
        }
        if (noteBytes.length > 0) {
            phdr(b, loads.size(), 4, noteOffset, 0, noteBytes.length, noteBytes.length);
            b.put((int) noteOffset, noteBytes);
        }
        return b.array();
    }

    private static void phdr(ByteBuffer b, int index, int type, long offset, long paddr, long filesz, long memsz) {
        int at = PHDRS + index * PHDR_SIZE;
        b.putInt(at, type);
        b.putInt(at + 4, 5); // R+X
        b.putLong(at + 8, offset);
        b.putLong(at + 16, 0xffff_ffff_8000_0000L + paddr); // a vmlinux links high; loaders use p_paddr
        b.putLong(at + 24, paddr);
        b.putLong(at + 32, filesz);
        b.putLong(at + 40, memsz);
        b.putLong(at + 48, 16);
    }

    private static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
