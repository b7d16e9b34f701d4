package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * Loads a multiboot v1 kernel as QEMU's {@code -kernel} does: an ELF32 by its program headers,
 * or any file by the header's a.out-kludge addresses (flag 16), with the .bss zeroed; each
 * module after the kernel, page aligned; and the multiboot information (memory sizes, command
 * line, modules, memory map, boot loader name) in low memory. kvm-unit-tests and the
 * project's test guests are such kernels.
 */
public final class MultibootLoader {

    private static final Logger LOG = LoggerFactory.getLogger(MultibootLoader.class);

    /** What the kernel finds in EAX. */
    public static final int BOOTLOADER_MAGIC = 0x2BADB002;

    static final int INFO_MEMORY = 1, INFO_CMDLINE = 1 << 2, INFO_MODS = 1 << 3, INFO_MMAP = 1 << 6,
            INFO_LOADER_NAME = 1 << 9;
    static final int MMAP_ENTRY_SIZE = 24;
    static final int MODULE_ENTRY_SIZE = 16;
    static final String LOADER_NAME = "vmm";

    /**
     * One boot module: a file and the string the kernel sees for it (QEMU gives the whole
     * {@code "file args"} item of {@code -initrd}).
     */
    public record Module(Path file, String string) {
    }

    private final GuestMemory memory;
    private final E820Map e820;

    public MultibootLoader(GuestMemory memory, E820Map e820) {
        this.memory = memory;
        this.e820 = e820;
    }

    /**
     * QEMU's multiboot {@code -initrd} syntax: modules separated by commas ({@code ,,} is a
     * literal comma), each a file name optionally followed by a space and arguments.
     */
    public static List<Module> parseModules(String option) {
        List<Module> modules = new ArrayList<>();
        if (option == null || option.isBlank()) {
            return modules;
        }
        StringBuilder item = new StringBuilder();
        for (int i = 0; i <= option.length(); i++) {
            if (i == option.length() || (option.charAt(i) == ',' && !(i + 1 < option.length() && option.charAt(i + 1) == ','))) {
                String text = item.toString().strip();
                if (!text.isEmpty()) {
                    int space = text.indexOf(' ');
                    modules.add(new Module(Path.of(space < 0 ? text : text.substring(0, space)), text));
                }
                item.setLength(0);
            } else if (option.charAt(i) == ',') {
                item.append(',');
                i++;
            } else {
                item.append(option.charAt(i));
            }
        }
        return modules;
    }

    /** Whether {@code kernel} has a multiboot v1 header in its first 8 KiB. */
    public static boolean isMultiboot(Path kernel) throws IOException {
        try (KernelFile file = KernelFile.open(kernel)) {
            return MultibootHeader.find(file).isPresent();
        }
    }

    /**
     * Loads {@code kernel} with {@code commandLine} (the kernel sees "{@code kernel commandLine}",
     * its file name first as QEMU passes it) and {@code modules}.
     *
     * @throws KernelLoadException the file is no loadable multiboot kernel, or something does not fit
     * @throws IOException         a file cannot be read
     */
    public BootInfo load(Path kernel, String commandLine, List<Module> modules) throws IOException {
        if (modules.size() > LowMemoryLayout.MULTIBOOT_MAX_MODULES) {
            throw new KernelLoadException(kernel, modules.size() + " modules given; at most "
                    + LowMemoryLayout.MULTIBOOT_MAX_MODULES + " are supported");
        }
        int mapEntries = e820.entries().size();
        if (mapEntries > E820Map.MAX_BOOT_ENTRIES) {
            throw new KernelLoadException(kernel, "the memory map has " + mapEntries + " entries; at most "
                    + E820Map.MAX_BOOT_ENTRIES + " are passed");
        }
        BootLayout layout = new BootLayout(e820);
        try (KernelFile file = KernelFile.open(kernel)) {
            Optional<MultibootHeader> found = MultibootHeader.find(file);
            if (found.isEmpty()) {
                throw file.error("no multiboot header (magic 0x1BADB002 with a valid checksum) in the first "
                        + MultibootHeader.SEARCH_LIMIT + " bytes");
            }
            MultibootHeader header = found.get();
            layout.claim(kernel, Placement.Kind.BOOT_PARAMS, LowMemoryLayout.MULTIBOOT_INFO,
                    LowMemoryLayout.MULTIBOOT_INFO_SIZE, "the multiboot information");
            if (!modules.isEmpty()) {
                layout.claim(kernel, Placement.Kind.MODULE_LIST, LowMemoryLayout.MULTIBOOT_MODULES,
                        (long) modules.size() * MODULE_ENTRY_SIZE, "the multiboot module list");
            }
            layout.claim(kernel, Placement.Kind.MEMORY_MAP, LowMemoryLayout.MULTIBOOT_MEMORY_MAP,
                    (long) mapEntries * MMAP_ENTRY_SIZE, "the multiboot memory map");
            byte[] strings = strings(kernel, commandLine, modules);
            layout.claim(kernel, Placement.Kind.COMMAND_LINE, LowMemoryLayout.COMMAND_LINE, strings.length,
                    "the command line and module strings");

            long entry = header.hasAddresses() ? loadByAddresses(file, header, layout) : loadElf(file, layout);

            memory.write(LowMemoryLayout.COMMAND_LINE, ByteBuffer.wrap(strings));
            long kernelEnd = layout.placements().stream().filter(p -> p.kind() == Placement.Kind.KERNEL)
                    .mapToLong(Placement::end).max().orElseThrow();
            List<Placement> placedModules = new ArrayList<>();
            for (Module m : modules) {
                placedModules.add(placeModule(m, layout, kernelEnd));
            }
            writeInfo(kernel, commandLine, modules, placedModules);

            BootInfo info = new BootInfo(EntryMode.MULTIBOOT_32BIT, entry, LowMemoryLayout.MULTIBOOT_INFO,
                    layout.placements());
            LOG.info("Loaded multiboot kernel {} ({}): entry 0x{}, {}", kernel,
                    header.hasAddresses() ? "a.out kludge addresses" : "ELF32", Long.toHexString(entry),
                    info.placements());
            return info;
        }
    }

    /** The kernel's command line, then each module's string, each NUL-terminated. */
    private static byte[] strings(Path kernel, String commandLine, List<Module> modules) throws KernelLoadException {
        String line = commandLine == null || commandLine.isEmpty() ? kernel.toString() : kernel + " " + commandLine;
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(CommandLine.bytes(kernel, line, LowMemoryLayout.COMMAND_LINE_MAX - 1, "the loader's command line area"));
        for (Module m : modules) {
            out.writeBytes(CommandLine.bytes(kernel, m.string(), LowMemoryLayout.COMMAND_LINE_MAX - 1, "the module string area"));
        }
        if (out.size() > LowMemoryLayout.COMMAND_LINE_MAX) {
            throw new KernelLoadException(kernel, "the command line and module strings take " + out.size()
                    + " bytes, more than the " + LowMemoryLayout.COMMAND_LINE_MAX + " of the string area");
        }
        return out.toByteArray();
    }

    private long loadElf(KernelFile file, BootLayout layout) throws IOException {
        Elf32Image elf = Elf32Image.read(file);
        int index = 0;
        for (Elf32Image.Segment s : elf.loadSegments()) {
            layout.claim(file.path(), Placement.Kind.KERNEL, s.physicalAddress(), s.memorySize(),
                    "PT_LOAD segment " + index++);
            file.copyToGuest(s.fileOffset(), s.fileSize(), memory, s.physicalAddress(), "a PT_LOAD segment");
            zero(s.physicalAddress() + s.fileSize(), s.memorySize() - s.fileSize());
        }
        return elf.physicalEntry(file);
    }

    /** Flag 16: load_addr..load_end_addr from the file, where header_addr marks the header's own place. */
    private long loadByAddresses(KernelFile file, MultibootHeader h, BootLayout layout) throws IOException {
        if (h.headerAddr() < h.loadAddr() || h.headerAddr() - h.loadAddr() > h.fileOffset()) {
            throw file.error("multiboot header_addr 0x" + Long.toHexString(h.headerAddr()) + " and load_addr 0x"
                    + Long.toHexString(h.loadAddr()) + " put the image start before the start of the file");
        }
        long fileOffset = h.fileOffset() - (h.headerAddr() - h.loadAddr());
        long loadEnd = h.loadEndAddr() == 0 ? h.loadAddr() + (file.size() - fileOffset) : h.loadEndAddr();
        if (loadEnd < h.loadAddr()) {
            throw file.error("multiboot load_end_addr 0x" + Long.toHexString(loadEnd) + " is below load_addr 0x"
                    + Long.toHexString(h.loadAddr()));
        }
        long loadSize = loadEnd - h.loadAddr();
        file.requireRange(fileOffset, loadSize, "the multiboot image (load_addr to load_end_addr)");
        long bssEnd = h.bssEndAddr() == 0 ? loadEnd : h.bssEndAddr();
        if (bssEnd < loadEnd) {
            throw file.error("multiboot bss_end_addr 0x" + Long.toHexString(bssEnd) + " is below load_end_addr 0x"
                    + Long.toHexString(loadEnd));
        }
        if (bssEnd > LowMemoryLayout.FOUR_GIB) {
            throw file.error("the multiboot image ends at 0x" + Long.toHexString(bssEnd) + ", past 4 GiB");
        }
        layout.claim(file.path(), Placement.Kind.KERNEL, h.loadAddr(), bssEnd - h.loadAddr(), "the multiboot image");
        file.copyToGuest(fileOffset, loadSize, memory, h.loadAddr(), "the multiboot image");
        zero(loadEnd, bssEnd - loadEnd);
        if (h.entryAddr() < h.loadAddr() || h.entryAddr() >= Math.max(bssEnd, loadEnd)) {
            throw file.error("the multiboot entry_addr 0x" + Long.toHexString(h.entryAddr())
                    + " is not inside the loaded image");
        }
        return h.entryAddr();
    }

    /** Modules go after the kernel, page aligned (flag 0 asks for that, and QEMU always does it). */
    private Placement placeModule(Module m, BootLayout layout, long after) throws IOException {
        try (KernelFile file = KernelFile.open(m.file())) {
            long size = file.size();
            OptionalLong at = layout.lowestFit(Math.max(size, 1), LowMemoryLayout.PAGE, after);
            if (at.isEmpty() || at.getAsLong() + size > LowMemoryLayout.FOUR_GIB) {
                throw file.error("the module (" + size + " bytes) does not fit in free guest RAM below 4 GiB after the kernel");
            }
            Placement placed = layout.claim(m.file(), Placement.Kind.INITRD, at.getAsLong(), Math.max(size, 1), "the module");
            file.copyToGuest(0, size, memory, placed.address(), "the module");
            return new Placement(Placement.Kind.INITRD, placed.address(), size);
        }
    }

    private void writeInfo(Path kernel, String commandLine, List<Module> modules, List<Placement> placed) {
        long stringsAt = LowMemoryLayout.COMMAND_LINE;
        String line = commandLine == null || commandLine.isEmpty() ? kernel.toString() : kernel + " " + commandLine;
        long next = stringsAt + line.getBytes(StandardCharsets.UTF_8).length + 1;
        ByteBuffer mods = ByteBuffer.allocate(modules.size() * MODULE_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < modules.size(); i++) {
            Placement p = placed.get(i);
            mods.putInt((int) p.address()).putInt((int) p.end()).putInt((int) next).putInt(0);
            next += modules.get(i).string().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        memory.write(LowMemoryLayout.MULTIBOOT_MODULES, mods.flip());

        List<E820Entry> entries = e820.entries();
        ByteBuffer map = ByteBuffer.allocate(entries.size() * MMAP_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Entry e : entries) {
            // size counts the bytes after itself; types are e820's (1 RAM, 2 reserved, ...).
            map.putInt(MMAP_ENTRY_SIZE - 4).putLong(e.address()).putLong(e.size()).putInt(e.type().code());
        }
        memory.write(LowMemoryLayout.MULTIBOOT_MEMORY_MAP, map.flip());

        byte[] name = (LOADER_NAME + "\0").getBytes(StandardCharsets.US_ASCII);
        long nameAt = LowMemoryLayout.MULTIBOOT_INFO + 0x60;
        memory.write(nameAt, ByteBuffer.wrap(name));

        ByteBuffer info = ByteBuffer.allocate(0x58).order(ByteOrder.LITTLE_ENDIAN);
        int flags = INFO_MEMORY | INFO_CMDLINE | INFO_MMAP | INFO_LOADER_NAME | (modules.isEmpty() ? 0 : INFO_MODS);
        info.putInt(0, flags);
        info.putInt(4, (int) (lowMemory() / 1024));
        info.putInt(8, (int) (upperMemory() / 1024));
        info.putInt(12, 0xffffffff); // boot_device: none (flag 1 clear)
        info.putInt(16, (int) stringsAt);
        info.putInt(20, modules.size());
        info.putInt(24, modules.isEmpty() ? 0 : (int) LowMemoryLayout.MULTIBOOT_MODULES);
        info.putInt(44, entries.size() * MMAP_ENTRY_SIZE);
        info.putInt(48, (int) LowMemoryLayout.MULTIBOOT_MEMORY_MAP);
        info.putInt(64, (int) nameAt);
        memory.write(LowMemoryLayout.MULTIBOOT_INFO, info);
    }

    /** mem_lower: usable RAM from 0, at most 640 KiB. */
    private long lowMemory() {
        return e820.usableRam().stream().filter(r -> r.guestAddress() == 0)
                .mapToLong(r -> Math.min(r.end(), E820Map.LEGACY_HOLE.guestAddress())).findFirst().orElse(0);
    }

    /** mem_upper: the contiguous usable RAM from 1 MiB up to the first hole. */
    private long upperMemory() {
        long mib = 0x10_0000;
        for (MemoryRegion r : e820.usableRam()) {
            if (r.contains(mib, 1)) {
                return r.end() - mib;
            }
        }
        return 0;
    }

    private void zero(long address, long length) {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(Math.max(length, 1), 1 << 20));
        long done = 0;
        while (done < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            memory.write(address + done, zeros);
            done += zeros.limit();
        }
    }
}
