package vmm.core.loader;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What a kernel file is, told apart as QEMU's {@code -kernel} does: a Linux bzImage (setup
 * header "HdrS"), an x86-64 ELF with a PVH entry note, or a multiboot v1 kernel (a header in
 * the first 8 KiB).
 */
public enum KernelKind {
    /** Linux bzImage: {@link BzImageLoader}. */
    BZIMAGE,
    /** x86-64 vmlinux with a Xen PVH note: {@link PvhLoader}. */
    PVH_ELF,
    /** Multiboot v1 (ELF32 or a.out kludge): {@link MultibootLoader}. */
    MULTIBOOT;

    private static final int HDRS = 0x53726448; // "HdrS", little-endian

    /**
     * @throws KernelLoadException the file is none of the three (the message says what was looked for)
     */
    public static KernelKind detect(Path kernel) throws IOException {
        try (KernelFile file = KernelFile.open(kernel)) {
            if (file.size() >= 0x206 && file.read(0x202, 4, "the setup header magic").getInt(0) == HDRS) {
                return BZIMAGE;
            }
            boolean multiboot = MultibootHeader.find(file).isPresent();
            if (Elf32Image.isElf(file) && file.size() > 4 && file.read(4, 1, "EI_CLASS").get(0) == Elf64Image.ELFCLASS64) {
                // A 64-bit ELF boots through PVH unless it is a multiboot kernel without the PVH note.
                if (!multiboot || Elf64Image.read(file).noteValue(PvhLoader.XEN_NOTE_NAME,
                        PvhLoader.XEN_ELFNOTE_PHYS32_ENTRY).isPresent()) {
                    return PVH_ELF;
                }
            }
            if (multiboot) {
                return MULTIBOOT;
            }
            throw file.error("not a kernel this machine can boot: no bzImage setup header (\"HdrS\" at 0x202),"
                    + " no 64-bit ELF for PVH, no multiboot header in the first 8 KiB");
        }
    }
}
