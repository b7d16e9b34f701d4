package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.memory.MemoryRegion;

/** The bzImage loader against Debian's real cloud kernel, checked by what lands in guest RAM. */
class BzImageLoaderTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial root=/dev/vda rw quiet";

    private static Path kernel;
    private static ByteBuffer file;

    @TempDir
    static Path dir;
    private static Path initrd;
    private static byte[] initrdBytes;

    @BeforeAll
    static void readKernel() throws IOException {
        kernel = DebianKernel.bzImage();
        file = ByteBuffer.wrap(Files.readAllBytes(kernel)).order(ByteOrder.LITTLE_ENDIAN);
        // An odd size, so the page alignment of the placement is visible.
        initrdBytes = new byte[100 * 1024 + 123];
        for (int i = 0; i < initrdBytes.length; i++) {
            initrdBytes[i] = (byte) (i * 31 + 7);
        }
        initrd = Files.write(dir.resolve("initrd.img"), initrdBytes);
    }

    private static long setupSize() {
        int sects = Byte.toUnsignedInt(file.get(0x1f1));
        return (sects == 0 ? 5L : sects + 1L) * 512;
    }

    @Test
    void loadsDebianKernelWithCommandLineAndInitrd() throws IOException {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(512 * MIB);
        E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE));
        BootInfo boot = new BzImageLoader(memory, e820).load(kernel, CMDLINE, initrd);

        long zeroPage = boot.bootParamsAddress();
        long prefAddress = file.getLong(0x258);
        assertEquals(EntryMode.LINUX_64BIT, boot.mode());
        assertEquals(0x7000, zeroPage);
        assertEquals(prefAddress + 0x200, boot.entryPoint(), "64-bit entry = load address + 0x200");

        // The setup header in the zero page is the file's, except the fields the loader owns.
        int end = 0x202 + Byte.toUnsignedInt(file.get(0x201));
        byte[] expected = Arrays.copyOfRange(file.array(), 0x1f1, end);
        byte[] actual = memory.bytes(zeroPage + 0x1f1, end - 0x1f1);
        for (int loaderOwned : new int[] {0x210, 0x218, 0x219, 0x21a, 0x21b, 0x21c, 0x21d, 0x21e, 0x21f,
                0x228, 0x229, 0x22a, 0x22b}) {
            expected[loaderOwned - 0x1f1] = 0;
            actual[loaderOwned - 0x1f1] = 0;
        }
        assertArrayEquals(expected, actual, "setup header copied from the file to zero page 0x1f1");
        assertEquals(file.getShort(0x206), memory.readShort(zeroPage + 0x206), "boot protocol version");
        assertEquals(0x020f, Short.toUnsignedInt(memory.readShort(zeroPage + 0x206)), "Debian 6.1 speaks protocol 2.15");
        assertEquals(0x53726448, memory.readInt(zeroPage + 0x202), "HdrS");
        assertEquals((byte) 0xff, memory.readByte(zeroPage + 0x210), "type_of_loader");

        // The command line, NUL-terminated, where cmd_line_ptr (+ ext_cmd_line_ptr) points.
        long cmdlinePtr = Integer.toUnsignedLong(memory.readInt(zeroPage + 0x228))
                | Integer.toUnsignedLong(memory.readInt(zeroPage + 0xc8)) << 32;
        byte[] cmdline = memory.bytes(cmdlinePtr, CMDLINE.length() + 1);
        assertEquals(CMDLINE, new String(cmdline, 0, CMDLINE.length(), StandardCharsets.US_ASCII));
        assertEquals(0, cmdline[CMDLINE.length()]);

        // e820: count and table as the kernel reads them.
        assertEquals(3, memory.readByte(zeroPage + 0x1e8));
        long[][] table = {{0, 0xA_0000, 1}, {0xA_0000, 0x6_0000, 2}, {MIB, 511 * MIB, 1}};
        for (int i = 0; i < table.length; i++) {
            long entry = zeroPage + 0x2d0 + i * 20L;
            assertEquals(table[i][0], memory.readLong(entry), "e820[" + i + "].addr");
            assertEquals(table[i][1], memory.readLong(entry + 8), "e820[" + i + "].size");
            assertEquals(table[i][2], memory.readInt(entry + 16), "e820[" + i + "].type");
        }

        // The protected-mode kernel, byte for byte, at its preferred address.
        int kernelSize = (int) (file.capacity() - setupSize());
        assertArrayEquals(Arrays.copyOfRange(file.array(), (int) setupSize(), file.capacity()),
                memory.bytes(prefAddress, kernelSize), "kernel bytes at the load address");

        // The initrd: highest page-aligned place in RAM, under initrd_addr_max and 4 GiB, clear of the kernel.
        long ramdisk = Integer.toUnsignedLong(memory.readInt(zeroPage + 0x218))
                | Integer.toUnsignedLong(memory.readInt(zeroPage + 0xc0)) << 32;
        long ramdiskSize = Integer.toUnsignedLong(memory.readInt(zeroPage + 0x21c))
                | Integer.toUnsignedLong(memory.readInt(zeroPage + 0xc4)) << 32;
        assertEquals(initrdBytes.length, ramdiskSize);
        assertEquals(0, ramdisk % 4096, "page aligned");
        assertEquals((512 * MIB - initrdBytes.length) & -4096L, ramdisk, "as high as it fits");
        long initSize = Integer.toUnsignedLong(file.getInt(0x260));
        assertTrue(ramdisk >= prefAddress + initSize, "above the kernel's init_size");
        assertTrue(ramdisk + ramdiskSize - 1 <= Integer.toUnsignedLong(file.getInt(0x22c)), "under initrd_addr_max");
        assertArrayEquals(initrdBytes, memory.bytes(ramdisk, initrdBytes.length));

        // BootInfo says the same and nothing overlaps.
        assertEquals(new Placement(Placement.Kind.KERNEL, prefAddress, initSize), boot.placement(Placement.Kind.KERNEL).orElseThrow());
        assertEquals(new Placement(Placement.Kind.INITRD, ramdisk, ramdiskSize), boot.placement(Placement.Kind.INITRD).orElseThrow());
        assertEquals(new Placement(Placement.Kind.COMMAND_LINE, cmdlinePtr, CMDLINE.length() + 1),
                boot.placement(Placement.Kind.COMMAND_LINE).orElseThrow());
        List<Placement> placed = boot.placements();
        for (int i = 1; i < placed.size(); i++) {
            assertTrue(placed.get(i - 1).end() <= placed.get(i).address(), "placements overlap: " + placed);
        }
    }

    @Test
    void withoutInitrdTheRamdiskFieldsAreZero() throws IOException {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(128 * MIB);
        BootInfo boot = new BzImageLoader(memory, E820Map.of(memory, List.of(E820Map.LEGACY_HOLE)))
                .load(kernel, "", null);
        assertEquals(0, memory.readInt(boot.bootParamsAddress() + 0x218));
        assertEquals(0, memory.readInt(boot.bootParamsAddress() + 0x21c));
        assertTrue(boot.placement(Placement.Kind.INITRD).isEmpty());
        assertEquals(0, memory.readByte(memory.readInt(boot.bootParamsAddress() + 0x228)), "empty command line");
    }

    @Test
    void initrdStaysUnderInitrdAddrMaxWithRamAbove4GiB() throws IOException {
        // 3 GiB below the PCI hole and 3 GiB above: Debian's initrd_addr_max is 0x7fffffff.
        HeapGuestMemory memory = new HeapGuestMemory(List.of(new MemoryRegion(0, 3 * GIB), new MemoryRegion(4 * GIB, 3 * GIB)));
        E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE, new MemoryRegion(3 * GIB, GIB)));
        BootInfo boot = new BzImageLoader(memory, e820).load(kernel, CMDLINE, initrd);
        long initrdAddrMax = Integer.toUnsignedLong(file.getInt(0x22c));
        Placement placed = boot.placement(Placement.Kind.INITRD).orElseThrow();
        assertEquals((initrdAddrMax + 1 - initrdBytes.length) & -4096L, placed.address());
        assertEquals(5, memory.readByte(boot.bootParamsAddress() + 0x1e8), "e820 entries with the PCI hole");
        assertEquals(4 * GIB, memory.readLong(boot.bootParamsAddress() + 0x2d0 + 4 * 20), "RAM above 4 GiB listed");
    }

    @Test
    void relocatableKernelMovesUpPastAReservedRange() throws IOException {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(256 * MIB);
        E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE, new MemoryRegion(16 * MIB, MIB)));
        BootInfo boot = new BzImageLoader(memory, e820).load(kernel, CMDLINE, null);
        long alignment = Integer.toUnsignedLong(file.getInt(0x230));
        long expected = (17 * MIB + alignment - 1) & -alignment;
        assertEquals(expected + 0x200, boot.entryPoint());
        assertEquals(file.getLong(file.capacity() - 8), memory.readLong(expected + file.capacity() - setupSize() - 8),
                "the kernel's last bytes at the moved address");
    }

    @Test
    void kernelLargerThanRamIsRefused() {
        HeapGuestMemory memory = HeapGuestMemory.ofSize(32 * MIB);
        KernelLoadException e = assertThrows(KernelLoadException.class,
                () -> new BzImageLoader(memory, E820Map.of(memory, List.of())).load(kernel, CMDLINE, null));
        assertMessage(e, kernel, "init_size");
        assertTrue(e.getMessage().contains("only " + 32 * MIB), e.getMessage());
    }

    @Test
    void commandLineLongerThanCmdlineSizeIsRefused() throws IOException {
        long cmdlineSize = Integer.toUnsignedLong(file.getInt(0x238));
        HeapGuestMemory memory = HeapGuestMemory.ofSize(128 * MIB);
        BzImageLoader loader = new BzImageLoader(memory, E820Map.of(memory, List.of()));
        KernelLoadException e = assertThrows(KernelLoadException.class,
                () -> loader.load(kernel, "x".repeat((int) cmdlineSize + 1), null));
        assertMessage(e, kernel, "cmdline_size");
        // Exactly cmdline_size is fine.
        BootInfo boot = loader.load(kernel, "x".repeat((int) cmdlineSize), null);
        assertEquals(cmdlineSize + 1, boot.placement(Placement.Kind.COMMAND_LINE).orElseThrow().size());
    }

    @Test
    void initrdThatDoesNotFitIsRefused() throws IOException {
        // 200 MiB, sparse on disk: it is refused before a byte is copied.
        Path big = dir.resolve("big-initrd");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(200 * MIB);
        }
        HeapGuestMemory memory = HeapGuestMemory.ofSize(128 * MIB);
        KernelLoadException e = assertThrows(KernelLoadException.class,
                () -> new BzImageLoader(memory, E820Map.of(memory, List.of(E820Map.LEGACY_HOLE))).load(kernel, CMDLINE, big));
        assertMessage(e, big, "does not fit");
        assertFalse(e.getMessage().contains(kernel.toString()), "the initrd is named, not the kernel");
    }

    static void assertMessage(KernelLoadException e, Path file, String problem) {
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "expected '" + problem + "' in: " + e.getMessage());
    }
}
