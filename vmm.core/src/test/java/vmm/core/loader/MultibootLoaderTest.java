package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static vmm.core.loader.BzImageLoaderTest.assertMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multiboot v1 loader on small built kernels, well-formed and hostile. */
class MultibootLoaderTest {

    private static final long MIB = 1L << 20;
    private static final long TEXT = 0x10_0000;

    @TempDir
    Path dir;

    private final HeapGuestMemory memory = HeapGuestMemory.ofSize(64 * MIB);
    private final E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE));
    private final MultibootLoader loader = new MultibootLoader(memory, e820);

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    /** Text at 1 MiB (starting with the header), data with 0x3000 bytes of bss at 1 MiB + 64 KiB. */
    private static SyntheticMultiboot kernel() {
        return new SyntheticMultiboot()
                .load(TEXT, pattern(0x1000, 1), 0x1000)
                .load(TEXT + 0x1_0000, pattern(0x800, 2), 0x3800)
                .entry(TEXT + 0x40);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private int u32(long gpa) {
        return memory.readInt(gpa);
    }

    private String cString(long gpa) {
        StringBuilder s = new StringBuilder();
        for (long a = gpa; memory.readByte(a) != 0; a++) {
            s.append((char) memory.readByte(a));
        }
        return s.toString();
    }

    @Test
    void loadsElfSegmentsZeroesBssAndWritesTheInformation() throws IOException {
        Path k = write("k.elf", kernel().buildElf());
        // An earlier boot's data where the bss goes (a reset): the loader must clear it.
        memory.write(TEXT + 0x1_0800, ByteBuffer.wrap(pattern(0x3000, 9)));
        Path m1 = write("env", "NR_CPUS=4\n".getBytes(StandardCharsets.US_ASCII));
        Path m2 = write("blob", pattern(5000, 3));

        BootInfo info = loader.load(k, "console=ttyS0 x=1",
                MultibootLoader.parseModules(m1 + " first arg," + m2));

        assertEquals(EntryMode.MULTIBOOT_32BIT, info.mode());
        assertEquals(TEXT + 0x40, info.entryPoint());
        byte[] text = new byte[0x1000];
        memory.read(TEXT, ByteBuffer.wrap(text));
        byte[] expected = pattern(0x1000, 1);
        System.arraycopy(SyntheticMultiboot.header(0, 0), 0, expected, 0, 12);
        assertArrayEquals(expected, text);
        byte[] bss = new byte[0x3000];
        memory.read(TEXT + 0x1_0800, ByteBuffer.wrap(bss));
        assertArrayEquals(new byte[0x3000], bss, "bss zeroed");

        long mbi = info.bootParamsAddress();
        int flags = u32(mbi);
        assertEquals(MultibootLoader.INFO_MEMORY | MultibootLoader.INFO_CMDLINE | MultibootLoader.INFO_MODS
                | MultibootLoader.INFO_MMAP | MultibootLoader.INFO_LOADER_NAME, flags);
        assertEquals(640, u32(mbi + 4), "mem_lower KiB");
        assertEquals(63 * 1024, u32(mbi + 8), "mem_upper KiB");
        assertEquals(k + " console=ttyS0 x=1", cString(Integer.toUnsignedLong(u32(mbi + 16))));
        assertEquals("vmm", cString(Integer.toUnsignedLong(u32(mbi + 64))));

        assertEquals(2, u32(mbi + 20));
        long mods = Integer.toUnsignedLong(u32(mbi + 24));
        long start1 = Integer.toUnsignedLong(u32(mods));
        assertEquals(0, start1 & 0xfff, "modules page aligned");
        assertEquals(10, u32(mods + 4) - start1);
        assertEquals(m1 + " first arg", cString(Integer.toUnsignedLong(u32(mods + 8))));
        byte[] env = new byte[10];
        memory.read(start1, ByteBuffer.wrap(env));
        assertEquals("NR_CPUS=4\n", new String(env, StandardCharsets.US_ASCII));
        long start2 = Integer.toUnsignedLong(u32(mods + 16));
        assertEquals(5000, u32(mods + 20) - start2);
        assertEquals(m2.toString(), cString(Integer.toUnsignedLong(u32(mods + 24))));
        byte[] blob = new byte[5000];
        memory.read(start2, ByteBuffer.wrap(blob));
        assertArrayEquals(pattern(5000, 3), blob);
        assertEquals(true, start1 >= TEXT + 0x1_3800, "modules after the kernel");

        int mmapLength = u32(mbi + 44);
        long mmap = Integer.toUnsignedLong(u32(mbi + 48));
        assertEquals(e820.entries().size() * 24, mmapLength);
        for (int i = 0; i < e820.entries().size(); i++) {
            E820Entry e = e820.entries().get(i);
            long at = mmap + 24L * i;
            assertEquals(20, u32(at));
            assertEquals(e.address(), memory.readLong(at + 4));
            assertEquals(e.size(), memory.readLong(at + 12));
            assertEquals(e.type().code(), u32(at + 20));
        }
    }

    @Test
    void withoutModulesTheModsFlagIsClearAndTheLineIsTheKernelName() throws IOException {
        Path k = write("k.elf", kernel().buildElf());
        BootInfo info = loader.load(k, "", List.of());
        long mbi = info.bootParamsAddress();
        assertEquals(0, u32(mbi) & MultibootLoader.INFO_MODS);
        assertEquals(0, u32(mbi + 20));
        assertEquals(k.toString(), cString(Integer.toUnsignedLong(u32(mbi + 16))));
    }

    @Test
    void entryIsTranslatedFromVirtualToPhysical() throws IOException {
        byte[] elf = new SyntheticMultiboot().load(TEXT, 0xC010_0000L, pattern(0x1000, 1), 0x1000)
                .entry(0xC010_0010L).buildElf();
        assertEquals(TEXT + 0x10, loader.load(write("k", elf), "", List.of()).entryPoint());
    }

    @Test
    void aoutKludgeAddressesLoadAFlatImage() throws IOException {
        // A flat image linked at 2 MiB: the header 0x20 bytes in, bss of 0x2000 after the file.
        byte[] image = pattern(0x1000, 5);
        long base = 0x20_0000;
        byte[] h = SyntheticMultiboot.header(0x10002, 0, (int) (base + 0x20), (int) base, 0,
                (int) (base + 0x3000), (int) (base + 0x100));
        System.arraycopy(h, 0, image, 0x20, h.length);
        memory.write(base + 0x1000, ByteBuffer.wrap(pattern(0x2000, 8)));
        Path k = write("flat.bin", image);

        BootInfo info = loader.load(k, "a", List.of());

        assertEquals(base + 0x100, info.entryPoint());
        byte[] loaded = new byte[0x1000];
        memory.read(base, ByteBuffer.wrap(loaded));
        assertArrayEquals(image, loaded);
        byte[] bss = new byte[0x2000];
        memory.read(base + 0x1000, ByteBuffer.wrap(bss));
        assertArrayEquals(new byte[0x2000], bss);
        assertEquals(KernelKind.MULTIBOOT, KernelKind.detect(k));
    }

    @Test
    void parsesQemuModuleLists() {
        List<MultibootLoader.Module> m = MultibootLoader.parseModules("a.bin x y,b,,c.bin , ,d");
        assertEquals(List.of(new MultibootLoader.Module(Path.of("a.bin"), "a.bin x y"),
                new MultibootLoader.Module(Path.of("b,c.bin"), "b,c.bin"),
                new MultibootLoader.Module(Path.of("d"), "d")), m);
        assertEquals(List.of(), MultibootLoader.parseModules(""));
    }

    @Test
    void detectsEachKernelKind() throws IOException {
        assertEquals(KernelKind.MULTIBOOT, KernelKind.detect(write("mb", kernel().buildElf())));
        assertEquals(KernelKind.BZIMAGE, KernelKind.detect(new SyntheticBzImage().write(dir.resolve("bz"))));
        byte[] pvh = new SyntheticElf().load(TEXT, pattern(0x100, 1), 0x100).pvhEntry(TEXT).build();
        assertEquals(KernelKind.PVH_ELF, KernelKind.detect(write("pvh", pvh)));
        Path junk = write("junk", pattern(10000, 4));
        assertMessage(assertThrows(KernelLoadException.class, () -> KernelKind.detect(junk)), junk,
                "not a kernel this machine can boot");
    }

    // Hostile kernels: each gets an error naming the file and the problem.

    private void assertRejected(byte[] bytes, String problem) throws IOException {
        Path k = write("bad", bytes);
        assertMessage(assertThrows(KernelLoadException.class, () -> loader.load(k, "", List.of())), k, problem);
    }

    @Test
    void aBadChecksumIsNoHeader() throws IOException {
        assertRejected(kernel().spoilChecksum().buildElf(), "no multiboot header");
    }

    @Test
    void unknownRequiredFlagsAreRefused() throws IOException {
        assertRejected(kernel().flags(1 << 5).buildElf(), "asks for features 0x20");
    }

    @Test
    void a64BitElfIsRefused() throws IOException {
        assertRejected(kernel().elfClass(2).buildElf(), "must be a 32-bit ELF");
    }

    @Test
    void segmentsOverTheBootStructuresAreRefused() throws IOException {
        assertRejected(new SyntheticMultiboot().load(0x6000, pattern(0x100, 1), 0x100).entry(0x6000).buildElf(),
                "overlaps BOOT_PARAMS");
    }

    @Test
    void segmentsOutsideRamAreRefused() throws IOException {
        assertRejected(new SyntheticMultiboot().load(TEXT, pattern(0x100, 1), 0x100)
                .load(0xF000_0000L, pattern(0x100, 1), 0x100).entry(TEXT).buildElf(), "not inside usable guest RAM");
        assertRejected(new SyntheticMultiboot().load(TEXT, pattern(0x100, 1), 0x100)
                .load(0xFFFF_F000L, pattern(0x100, 1), 0x2000).entry(TEXT).buildElf(), "runs past 4 GiB");
    }

    @Test
    void anEntryOutsideTheSegmentsIsRefused() throws IOException {
        assertRejected(kernel().entry(0x30_0000).buildElf(), "is not inside a PT_LOAD segment");
    }

    @Test
    void aTruncatedSegmentIsRefused() throws IOException {
        byte[] elf = kernel().buildElf();
        assertRejected(Arrays.copyOf(elf, elf.length - 100), "truncated");
    }

    @Test
    void inconsistentKludgeAddressesAreRefused() throws IOException {
        long base = 0x20_0000;
        byte[] image = pattern(0x1000, 5);
        System.arraycopy(SyntheticMultiboot.header(0x10000, 0, (int) base, (int) (base + 0x100), 0, 0, (int) base),
                0, image, 0, 32);
        assertRejected(image, "before the start of the file");
        image = pattern(0x1000, 5);
        System.arraycopy(SyntheticMultiboot.header(0x10000, 0, (int) base, (int) base, (int) base - 1, 0,
                (int) base), 0, image, 0, 32);
        assertRejected(image, "is below load_addr");
        image = pattern(0x1000, 5);
        System.arraycopy(SyntheticMultiboot.header(0x10000, 0, (int) base, (int) base, 0, 0,
                (int) base + 0x5000), 0, image, 0, 32);
        assertRejected(image, "entry_addr");
        image = pattern(0x1000, 5);
        System.arraycopy(SyntheticMultiboot.header(0x10000, 0, (int) base, (int) base, (int) base + 0x2000, 0,
                (int) base), 0, image, 0, 32);
        assertRejected(image, "truncated");
    }

    @Test
    void aMissingModuleIsAnIoErrorNamingIt() throws IOException {
        Path k = write("k.elf", kernel().buildElf());
        Path missing = dir.resolve("nope");
        IOException e = assertThrows(IOException.class,
                () -> loader.load(k, "", List.of(new MultibootLoader.Module(missing, "nope"))));
        assertEquals(true, e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void informationAddressesFitIn32Bits() throws IOException {
        BootInfo info = loader.load(write("k.elf", kernel().buildElf()), "", List.of());
        assertEquals(true, info.bootParamsAddress() < (1L << 32));
    }
}
