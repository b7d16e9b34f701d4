package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an i386 ELF32 executable a multiboot loader needs: the entry point and the
 * PT_LOAD segments. Like {@link Elf64Image}, every field from the file is checked before use.
 */
final class Elf32Image {

    /** One PT_LOAD segment; loaded at its physical address. */
    record Segment(long fileOffset, long fileSize, long virtualAddress, long physicalAddress, long memorySize) {
    }

    static final int EHDR_SIZE = 52;
    static final int PHDR_SIZE = 32;
    static final int ELFCLASS32 = 1;
    static final int EM_386 = 3;
    static final int EM_X86_64 = 62;

    private final long entry;
    private final List<Segment> loadSegments;

    private Elf32Image(long entry, List<Segment> loadSegments) {
        this.entry = entry;
        this.loadSegments = loadSegments;
    }

    /** Whether the file starts with the ELF magic (whatever its class). */
    static boolean isElf(KernelFile file) throws IOException {
        return file.size() >= 4 && file.read(0, 4, "the ELF magic").getInt(0) == 0x464c457f;
    }

    static Elf32Image read(KernelFile file) throws IOException {
        if (file.size() < EHDR_SIZE) {
            throw file.error("not an ELF32 file: " + file.size() + " bytes is shorter than an ELF32 header");
        }
        ByteBuffer h = file.read(0, EHDR_SIZE, "the ELF header");
        if (h.getInt(0) != 0x464c457f) {
            throw file.error("not an ELF file (no \\x7fELF magic)");
        }
        if (h.get(4) != ELFCLASS32) {
            // QEMU refuses these too: a multiboot v1 kernel is entered in 32-bit mode.
            throw file.error("a multiboot kernel must be a 32-bit ELF (EI_CLASS " + h.get(4)
                    + "; 64-bit kernels boot through PVH or the Linux boot protocol)");
        }
        if (h.get(5) != Elf64Image.ELFDATA2LSB) {
            throw file.error("not a little-endian ELF (EI_DATA " + h.get(5) + ")");
        }
        int type = Short.toUnsignedInt(h.getShort(16));
        if (type != Elf64Image.ET_EXEC && type != Elf64Image.ET_DYN) {
            throw file.error("ELF type " + type + " is not an executable (ET_EXEC or ET_DYN)");
        }
        int machine = Short.toUnsignedInt(h.getShort(18));
        if (machine != EM_386 && machine != EM_X86_64) {
            throw file.error("ELF machine " + machine + " is not i386 (" + EM_386 + ") or x86-64 (" + EM_X86_64 + ")");
        }
        long entry = Integer.toUnsignedLong(h.getInt(24));
        long phoff = Integer.toUnsignedLong(h.getInt(28));
        int phentsize = Short.toUnsignedInt(h.getShort(42));
        int phnum = Short.toUnsignedInt(h.getShort(44));
        if (phentsize != PHDR_SIZE) {
            throw file.error("ELF program header size " + phentsize + " is not " + PHDR_SIZE);
        }
        if (phnum == 0 || phnum > Elf64Image.MAX_PROGRAM_HEADERS) {
            throw file.error("ELF has " + phnum + " program headers; a kernel has between 1 and "
                    + Elf64Image.MAX_PROGRAM_HEADERS);
        }
        ByteBuffer ph = file.read(phoff, phnum * PHDR_SIZE, "the ELF program headers");
        List<Segment> loads = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = i * PHDR_SIZE;
            if (ph.getInt(at) != Elf64Image.PT_LOAD) {
                continue;
            }
            long offset = Integer.toUnsignedLong(ph.getInt(at + 4));
            long vaddr = Integer.toUnsignedLong(ph.getInt(at + 8));
            long paddr = Integer.toUnsignedLong(ph.getInt(at + 12));
            long filesz = Integer.toUnsignedLong(ph.getInt(at + 16));
            long memsz = Integer.toUnsignedLong(ph.getInt(at + 20));
            String what = "program header " + i;
            if (filesz > memsz) {
                throw file.error(what + ": p_filesz " + filesz + " is larger than p_memsz " + memsz);
            }
            if (filesz != 0) {
                file.requireRange(offset, filesz, what + " (PT_LOAD data)");
            }
            if (paddr + memsz > LowMemoryLayout.FOUR_GIB) {
                throw file.error(what + ": PT_LOAD at physical 0x" + Long.toHexString(paddr) + " size 0x"
                        + Long.toHexString(memsz) + " runs past 4 GiB");
            }
            if (memsz > 0) {
                loads.add(new Segment(offset, filesz, vaddr, paddr, memsz));
            }
        }
        if (loads.isEmpty()) {
            throw file.error("ELF has no PT_LOAD segment to load");
        }
        return new Elf32Image(entry, List.copyOf(loads));
    }

    List<Segment> loadSegments() {
        return loadSegments;
    }

    /** e_entry is a virtual address: translated through the segment holding it, as QEMU does. */
    long physicalEntry(KernelFile file) throws KernelLoadException {
        for (Segment s : loadSegments) {
            if (entry >= s.virtualAddress() && entry - s.virtualAddress() < s.memorySize()) {
                return s.physicalAddress() + (entry - s.virtualAddress());
            }
        }
        throw file.error("the ELF entry 0x" + Long.toHexString(entry) + " is not inside a PT_LOAD segment");
    }
}
