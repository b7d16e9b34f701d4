package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.memory.MemoryRegion;

/** The PVH loader against the vmlinux inside Debian's cloud kernel, checked with readelf as oracle. */
class PvhLoaderTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial root=/dev/vda rw";

    @TempDir
    static Path dir;
    private static Path vmlinux;
    private static Path initrd;
    private static byte[] initrdBytes;

    @BeforeAll
    static void extract() throws IOException, InterruptedException {
        vmlinux = DebianKernel.vmlinux();
        initrdBytes = new byte[64 * 1024 + 5];
        for (int i = 0; i < initrdBytes.length; i++) {
            initrdBytes[i] = (byte) (i ^ (i >> 8));
        }
        initrd = Files.write(dir.resolve("initrd.img"), initrdBytes);
    }

    @Test
    void loadsDebianVmlinuxThroughItsPvhEntry() throws IOException, InterruptedException {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(512 * MIB);
        E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE));
        BootInfo boot = new PvhLoader(memory, e820).load(vmlinux, CMDLINE, initrd);

        assertEquals(EntryMode.PVH_32BIT, boot.mode());
        assertEquals(Readelf.pvhEntry(vmlinux), boot.entryPoint(), "entry from XEN_ELFNOTE_PHYS32_ENTRY");
        assertTrue(boot.entryPoint() < 4 * GIB);

        // Every PT_LOAD segment, byte for byte, at its physical address.
        List<Readelf.Load> loads = Readelf.loads(vmlinux);
        assertEquals(4, loads.size(), "Debian 6.1 vmlinux has four PT_LOAD segments");
        try (RandomAccessFile f = new RandomAccessFile(vmlinux.toFile(), "r")) {
            for (Readelf.Load l : loads) {
                byte[] expected = new byte[(int) l.filesz()];
                f.seek(l.offset());
                f.readFully(expected);
                assertArrayEquals(expected, memory.bytes(l.paddr(), expected.length),
                        "segment at 0x" + Long.toHexString(l.paddr()));
            }
        }
        assertEquals(loads.stream().map(l -> new Placement(Placement.Kind.KERNEL, l.paddr(), l.memsz())).toList(),
                boot.all(Placement.Kind.KERNEL));

        // hvm_start_info, as Linux's pvh_start_xen reads it from EBX.
        long si = boot.bootParamsAddress();
        assertEquals(0x336ec578, memory.readInt(si), "magic");
        assertEquals(1, memory.readInt(si + 4), "version");
        assertEquals(0, memory.readInt(si + 8), "flags");
        assertEquals(1, memory.readInt(si + 12), "nr_modules");
        assertEquals(0, memory.readLong(si + 32), "rsdp_paddr");
        assertEquals(0, memory.readInt(si + 52), "reserved");

        long cmdline = memory.readLong(si + 24);
        byte[] text = memory.bytes(cmdline, CMDLINE.length() + 1);
        assertEquals(CMDLINE, new String(text, 0, CMDLINE.length(), StandardCharsets.US_ASCII));
        assertEquals(0, text[CMDLINE.length()], "NUL-terminated");

        long modlist = memory.readLong(si + 16);
        long initrdAddress = memory.readLong(modlist);
        assertEquals(initrdBytes.length, memory.readLong(modlist + 8), "module size");
        assertEquals(0, memory.readLong(modlist + 16), "module cmdline");
        assertEquals(0, initrdAddress % 4096);
        assertEquals((512 * MIB - initrdBytes.length) & -4096L, initrdAddress, "as high as it fits");
        assertArrayEquals(initrdBytes, memory.bytes(initrdAddress, initrdBytes.length));

        long memmap = memory.readLong(si + 40);
        assertEquals(3, memory.readInt(si + 48), "memmap_entries");
        long[][] table = {{0, 0xA_0000, 1}, {0xA_0000, 0x6_0000, 2}, {MIB, 511 * MIB, 1}};
        for (int i = 0; i < table.length; i++) {
            long entry = memmap + i * 24L;
            assertEquals(table[i][0], memory.readLong(entry), "memmap[" + i + "].addr");
            assertEquals(table[i][1], memory.readLong(entry + 8), "memmap[" + i + "].size");
            assertEquals(table[i][2], memory.readInt(entry + 16), "memmap[" + i + "].type");
            assertEquals(0, memory.readInt(entry + 20), "memmap[" + i + "].reserved");
        }

        List<Placement> placed = boot.placements();
        for (int i = 1; i < placed.size(); i++) {
            assertTrue(placed.get(i - 1).end() <= placed.get(i).address(), "placements overlap: " + placed);
        }
    }

    @Test
    void withoutInitrdThereIsNoModule() throws IOException {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(128 * MIB);
        BootInfo boot = new PvhLoader(memory, E820Map.of(memory, List.of(E820Map.LEGACY_HOLE))).load(vmlinux, "", null);
        assertEquals(0, memory.readInt(boot.bootParamsAddress() + 12), "nr_modules");
        assertEquals(0, memory.readLong(boot.bootParamsAddress() + 16), "modlist_paddr");
        assertFalse(boot.placement(Placement.Kind.MODULE_LIST).isPresent());
    }

    @Test
    void initrdStaysBelow4GiBWithRamAbove() throws IOException {
        HeapGuestMemory memory = new HeapGuestMemory(List.of(new MemoryRegion(0, 3 * GIB), new MemoryRegion(4 * GIB, 2 * GIB)));
        E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE, new MemoryRegion(3 * GIB, GIB)));
        BootInfo boot = new PvhLoader(memory, e820).load(vmlinux, CMDLINE, initrd);
        assertEquals((3 * GIB - initrdBytes.length) & -4096L, boot.placement(Placement.Kind.INITRD).orElseThrow().address());
        assertEquals(5, memory.readInt(boot.bootParamsAddress() + 48), "memmap_entries with the PCI hole");
    }

    @Test
    void vmlinuxTooBigForRamIsRefused() {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(32 * MIB);
        KernelLoadException e = org.junit.jupiter.api.Assertions.assertThrows(KernelLoadException.class,
                () -> new PvhLoader(memory, E820Map.of(memory, List.of())).load(vmlinux, CMDLINE, null));
        BzImageLoaderTest.assertMessage(e, vmlinux, "is not inside usable guest RAM");
    }
}
