package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The parts of an x86-64 ELF executable a loader needs: its PT_LOAD segments and its notes.
 * Every count, offset and size comes from the file and is checked before use, so a hostile
 * ELF gives a {@link KernelLoadException}, never a huge allocation or a read out of bounds.
 */
final class Elf64Image {

    /** One PT_LOAD segment, loaded by physical address (vmlinux links at high virtual addresses). */
    record Segment(long fileOffset, long fileSize, long physicalAddress, long memorySize) {
    }

    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_EXEC = 2;
    static final int ET_DYN = 3;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    /** A vmlinux has about 5 program headers; far more is not a kernel (and PN_XNUM 0xffff is not supported). */
    static final int MAX_PROGRAM_HEADERS = 128;
    /** Notes are small (a few hundred bytes in vmlinux); a bigger PT_NOTE is not read. */
    static final long MAX_NOTE_SEGMENT = 1 << 20;

    private final KernelFile file;
    private final List<Segment> loadSegments;
    private final List<ByteBuffer> noteSegments;

    private Elf64Image(KernelFile file, List<Segment> loadSegments, List<ByteBuffer> noteSegments) {
        this.file = file;
        this.loadSegments = loadSegments;
        this.noteSegments = noteSegments;
    }

    static Elf64Image read(KernelFile file) throws IOException {
        if (file.size() < EHDR_SIZE) {
            throw file.error("not an ELF file: " + file.size() + " bytes is shorter than an ELF64 header");
        }
        ByteBuffer h = file.read(0, EHDR_SIZE, "the ELF header");
        if (h.getInt(0) != 0x464c457f) { // 0x7f 'E' 'L' 'F'
            throw file.error("not an ELF file (no \\x7fELF magic)");
        }
        if (h.get(4) != ELFCLASS64) {
            throw file.error("not a 64-bit ELF (EI_CLASS " + h.get(4) + "; a PVH vmlinux is ELFCLASS64)");
        }
        if (h.get(5) != ELFDATA2LSB) {
            throw file.error("not a little-endian ELF (EI_DATA " + h.get(5) + ")");
        }
        int type = Short.toUnsignedInt(h.getShort(16));
        if (type != ET_EXEC && type != ET_DYN) {
            throw file.error("ELF type " + type + " is not an executable (ET_EXEC or ET_DYN)");
        }
        int machine = Short.toUnsignedInt(h.getShort(18));
        if (machine != EM_X86_64) {
            throw file.error("ELF machine " + machine + " is not x86-64 (" + EM_X86_64 + ")");
        }
        long phoff = h.getLong(32);
        int phentsize = Short.toUnsignedInt(h.getShort(54));
        int phnum = Short.toUnsignedInt(h.getShort(56));
        if (phentsize != PHDR_SIZE) {
            throw file.error("ELF program header size " + phentsize + " is not " + PHDR_SIZE);
        }
        if (phnum == 0 || phnum > MAX_PROGRAM_HEADERS) {
            throw file.error("ELF has " + phnum + " program headers; a kernel has between 1 and " + MAX_PROGRAM_HEADERS);
        }
        ByteBuffer ph = file.read(phoff, phnum * PHDR_SIZE, "the ELF program headers");
        List<Segment> loads = new ArrayList<>();
        List<ByteBuffer> notes = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = i * PHDR_SIZE;
            int ptype = ph.getInt(at);
            long offset = ph.getLong(at + 8);
            long paddr = ph.getLong(at + 24);
            long filesz = ph.getLong(at + 32);
            long memsz = ph.getLong(at + 40);
            String what = "program header " + i;
            if (ptype == PT_LOAD) {
                if (Long.compareUnsigned(filesz, memsz) > 0) {
                    throw file.error(what + ": p_filesz " + Long.toUnsignedString(filesz)
                            + " is larger than p_memsz " + Long.toUnsignedString(memsz));
                }
                if (filesz != 0) {
                    // A bss-only segment has no data; its p_offset need not point into the file.
                    file.requireRange(offset, filesz, what + " (PT_LOAD data)");
                }
                if (memsz < 0 || paddr < 0 || paddr + memsz < paddr) {
                    throw file.error(what + ": PT_LOAD at physical 0x" + Long.toHexString(paddr) + " size 0x"
                            + Long.toHexString(memsz) + " lies outside the physical address space");
                }
                if (memsz > 0) {
                    loads.add(new Segment(offset, filesz, paddr, memsz));
                }
            } else if (ptype == PT_NOTE) {
                if (filesz < 0 || filesz > MAX_NOTE_SEGMENT) {
                    throw file.error(what + ": PT_NOTE of " + Long.toUnsignedString(filesz) + " bytes is too large");
                }
                notes.add(file.read(offset, (int) filesz, what + " (PT_NOTE)"));
            }
        }
        if (loads.isEmpty()) {
            throw file.error("ELF has no PT_LOAD segment to load");
        }
        return new Elf64Image(file, List.copyOf(loads), List.copyOf(notes));
    }

    List<Segment> loadSegments() {
        return loadSegments;
    }

    /**
     * The descriptor of the note with that name and type (e.g. "Xen", 18), or empty. Notes are
     * 4-byte aligned records: namesz, descsz, type, name (padded), desc (padded).
     */
    OptionalLong noteValue(String name, int type) throws KernelLoadException {
        byte[] wanted = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        for (ByteBuffer notes : noteSegments) {
            int at = 0;
            while (notes.limit() - at >= 12) {
                long namesz = Integer.toUnsignedLong(notes.getInt(at));
                long descsz = Integer.toUnsignedLong(notes.getInt(at + 4));
                int ntype = notes.getInt(at + 8);
                long nameAt = at + 12L;
                long descAt = nameAt + align4(namesz);
                long next = descAt + align4(descsz);
                if (next > notes.limit()) {
                    throw file.error("ELF note at offset " + at + " of a PT_NOTE segment runs past its end"
                            + " (namesz " + namesz + ", descsz " + descsz + ")");
                }
                if (ntype == type && namesz == wanted.length && nameMatches(notes, (int) nameAt, wanted)) {
                    return OptionalLong.of(descriptor(notes, (int) descAt, descsz, name, type));
                }
                at = (int) next;
            }
        }
        return OptionalLong.empty();
    }

    private static boolean nameMatches(ByteBuffer notes, int at, byte[] wanted) {
        for (int i = 0; i < wanted.length; i++) {
            if (notes.get(at + i) != wanted[i]) {
                return false;
            }
        }
        return true;
    }

    /** The kernel emits the value as a pointer: 8 bytes in a 64-bit vmlinux, 4 in a 32-bit one. */
    private long descriptor(ByteBuffer notes, int at, long size, String name, int type) throws KernelLoadException {
        return switch ((int) size) {
            case 4 -> Integer.toUnsignedLong(notes.getInt(at));
            case 8 -> notes.getLong(at);
            default -> throw file.error("ELF note " + name + "/" + type + " has a " + size
                    + "-byte descriptor, not a 4- or 8-byte address");
        };
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }
}
