package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.memory.GuestMemory;

/**
 * Loads an uncompressed x86-64 vmlinux through its Xen PVH entry: the PT_LOAD segments at
 * their physical addresses, the command line, an optional initrd as PVH module, and
 * hvm_start_info. Booting this way skips the bzImage's self-decompression, which matters when
 * ring 0 is slow.
 */
public final class PvhLoader {

    private static final Logger LOG = LoggerFactory.getLogger(PvhLoader.class);

    /** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit physical entry point, in a note named "Xen". */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    static final String XEN_NOTE_NAME = "Xen";

    private final GuestMemory memory;
    private final E820Map e820;

    public PvhLoader(GuestMemory memory, E820Map e820) {
        this.memory = memory;
        this.e820 = e820;
    }

    /**
     * Loads {@code vmlinux} with {@code commandLine} and, when {@code initrd} is not null, that
     * initrd. The entry is 32-bit ({@link EntryMode#PVH_32BIT}): start the vCPU in protected
     * mode with EBX = {@link BootInfo#bootParamsAddress()}.
     *
     * @throws KernelLoadException the file is no loadable PVH kernel, or does not fit
     * @throws IOException         a file cannot be read
     */
    public BootInfo load(Path vmlinux, String commandLine, Path initrd) throws IOException {
        int mapEntries = e820.entries().size();
        if (mapEntries > E820Map.MAX_BOOT_ENTRIES) {
            throw new KernelLoadException(vmlinux, "the memory map has " + mapEntries
                    + " entries; Linux takes at most " + E820Map.MAX_BOOT_ENTRIES);
        }
        BootLayout layout = new BootLayout(e820);
        try (KernelFile file = KernelFile.open(vmlinux)) {
            Elf64Image elf = Elf64Image.read(file);
            long entry = pvhEntry(file, elf);
            // Claim the boot structures first: a segment that overlaps them is rejected below.
            layout.claim(vmlinux, Placement.Kind.BOOT_PARAMS, LowMemoryLayout.PVH_START_INFO,
                    PvhStartInfo.START_INFO_SIZE, "hvm_start_info");
            layout.claim(vmlinux, Placement.Kind.MEMORY_MAP, LowMemoryLayout.PVH_MEMORY_MAP,
                    (long) mapEntries * PvhStartInfo.MEMMAP_ENTRY_SIZE, "the PVH memory map");
            // PVH has no cmdline_size: Linux copies what fits in its COMMAND_LINE_SIZE.
            byte[] cmdline = CommandLine.bytes(vmlinux, commandLine, LowMemoryLayout.COMMAND_LINE_MAX - 1,
                    "the loader's command line area");
            layout.claim(vmlinux, Placement.Kind.COMMAND_LINE, LowMemoryLayout.COMMAND_LINE, cmdline.length,
                    "the command line");
            if (initrd != null) {
                layout.claim(vmlinux, Placement.Kind.MODULE_LIST, LowMemoryLayout.PVH_MODULE_LIST,
                        PvhStartInfo.MODLIST_ENTRY_SIZE, "the PVH module list");
            }

            loadSegments(file, elf, layout);
            if (layout.placements().stream().noneMatch(p -> p.kind() == Placement.Kind.KERNEL
                    && p.overlaps(entry, 1))) {
                throw file.error("the PVH entry 0x" + Long.toHexString(entry) + " is not inside a loaded segment");
            }

            memory.write(LowMemoryLayout.COMMAND_LINE, ByteBuffer.wrap(cmdline));
            PvhStartInfo.writeMemoryMap(memory, LowMemoryLayout.PVH_MEMORY_MAP, e820);
            int modules = 0;
            if (initrd != null) {
                // The module fields are 64-bit, but a 32-bit entry must be able to reach it.
                Placement placed = InitrdPlacer.place(initrd, memory, layout, LowMemoryLayout.FOUR_GIB);
                PvhStartInfo.writeModule(memory, LowMemoryLayout.PVH_MODULE_LIST, placed.address(), placed.size());
                modules = 1;
            }
            PvhStartInfo.writeStartInfo(memory, LowMemoryLayout.PVH_START_INFO, LowMemoryLayout.COMMAND_LINE, modules,
                    LowMemoryLayout.PVH_MODULE_LIST, LowMemoryLayout.PVH_MEMORY_MAP, mapEntries);

            BootInfo info = new BootInfo(EntryMode.PVH_32BIT, entry, LowMemoryLayout.PVH_START_INFO,
                    layout.placements());
            LOG.info("Loaded PVH kernel {}: entry 0x{} (32-bit), {}", vmlinux, Long.toHexString(entry),
                    info.placements());
            return info;
        }
    }

    private static long pvhEntry(KernelFile file, Elf64Image elf) throws KernelLoadException {
        OptionalLong note = elf.noteValue(XEN_NOTE_NAME, XEN_ELFNOTE_PHYS32_ENTRY);
        if (note.isEmpty()) {
            throw file.error("no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): the kernel was built without CONFIG_PVH");
        }
        long entry = note.getAsLong();
        if (entry < 0 || entry >= LowMemoryLayout.FOUR_GIB) {
            throw file.error("the PVH entry 0x" + Long.toHexString(entry) + " is not a 32-bit physical address");
        }
        return entry;
    }

    /** Copies each PT_LOAD segment and zeroes its bss (p_memsz beyond p_filesz). */
    private void loadSegments(KernelFile file, Elf64Image elf, BootLayout layout) throws IOException {
        int index = 0;
        for (Elf64Image.Segment s : elf.loadSegments()) {
            layout.claim(file.path(), Placement.Kind.KERNEL, s.physicalAddress(), s.memorySize(),
                    "PT_LOAD segment " + index++);
            file.copyToGuest(s.fileOffset(), s.fileSize(), memory, s.physicalAddress(), "a PT_LOAD segment");
            zero(s.physicalAddress() + s.fileSize(), s.memorySize() - s.fileSize());
        }
    }

    /** Guest RAM may hold an earlier boot's data (reset), so the bss is cleared explicitly. */
    private void zero(long address, long length) {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            memory.write(address + done, zeros);
            done += zeros.limit();
        }
    }
}
