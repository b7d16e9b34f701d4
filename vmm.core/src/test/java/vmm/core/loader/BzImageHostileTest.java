package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static vmm.core.loader.BzImageLoaderTest.assertMessage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.memory.MemoryRegion;

/** Odd and hostile bzImages: each refused with a message naming the file and the problem. */
class BzImageHostileTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private final HeapGuestMemory memory = HeapGuestMemory.ofSize(64 * MIB);
    private final BzImageLoader loader = new BzImageLoader(memory, E820Map.of(memory, List.of(E820Map.LEGACY_HOLE)));

    private void refused(Consumer<SyntheticBzImage> spoil, String problem) throws IOException {
        SyntheticBzImage image = new SyntheticBzImage();
        spoil.accept(image);
        Path file = image.write(dir.resolve("bzImage"));
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> loader.load(file, "console=ttyS0", null));
        assertMessage(e, file, problem);
    }

    @Test
    void theUnspoiledImageLoads() throws IOException {
        SyntheticBzImage image = new SyntheticBzImage();
        BootInfo boot = loader.load(image.write(dir.resolve("bzImage")), "console=ttyS0", null);
        assertEquals(0x100_0200, boot.entryPoint());
        assertArrayEquals(Arrays.copyOfRange(image.bytes.array(), SyntheticBzImage.SETUP_SIZE, image.bytes.capacity()),
                memory.bytes(0x100_0000, SyntheticBzImage.KERNEL_SIZE));
    }

    @Test
    void wrongMagic() throws IOException {
        refused(i -> i.bytes.putInt(0x202, 0x53726449), "no \"HdrS\" magic");
    }

    @Test
    void wrongBootFlag() throws IOException {
        refused(i -> i.bytes.putShort(0x1fe, (short) 0), "boot_flag");
    }

    @Test
    void protocolTooOldFor64Bit() throws IOException {
        refused(i -> i.bytes.putShort(0x206, (short) 0x020b), "boot protocol 2.11 is too old");
    }

    @Test
    void no64BitEntry() throws IOException {
        refused(i -> i.bytes.putShort(0x236, (short) 0x2), "XLF_KERNEL_64");
    }

    @Test
    void zImageWithoutLoadedHigh() throws IOException {
        refused(i -> i.bytes.put(0x211, (byte) 0), "LOADED_HIGH");
    }

    @Test
    void absurdSetupSects() throws IOException {
        refused(i -> i.bytes.put(0x1f1, (byte) 200), "setup_sects 200 is absurd");
    }

    @Test
    void setupSectsPastTheEndOfTheFile() throws IOException {
        refused(i -> i.bytes.put(0x1f1, (byte) 40), "past the end");
    }

    @Test
    void syssizeLargerThanTheFile() throws IOException {
        refused(i -> i.bytes.putInt(0x1f4, 0x10_0000), "truncated: syssize");
    }

    @Test
    void payloadPastTheEnd() throws IOException {
        refused(i -> i.bytes.putInt(0x24c, 0x10_0000), "truncated: the compressed payload");
    }

    @Test
    void headerEndOutOfRange() throws IOException {
        refused(i -> i.bytes.put(0x201, (byte) 0x10), "setup header ends at 0x212");
    }

    @Test
    void alignmentNotAPowerOfTwo() throws IOException {
        refused(i -> i.bytes.putInt(0x230, 0x30_0000), "not a power of two");
    }

    @Test
    void commandLineLongerThanCmdlineSize() throws IOException {
        Path file = new SyntheticBzImage().write(dir.resolve("bzImage"));
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> loader.load(file, "y".repeat(256), null));
        assertMessage(e, file, "256 bytes, longer than the 255 allowed by cmdline_size");
    }

    @Test
    void commandLineWithNul() throws IOException {
        Path file = new SyntheticBzImage().write(dir.resolve("bzImage"));
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> loader.load(file, "a\0b", null));
        assertMessage(e, file, "NUL");
    }

    @Test
    void kernelLargerThanRam() throws IOException {
        refused(i -> i.bytes.putInt(0x260, 0x800_0000), "init_size");
    }

    @Test
    void tooShortForAHeader() throws IOException {
        Path file = new SyntheticBzImage().writeTruncated(dir.resolve("bzImage"), 0x100);
        assertMessage(assertThrows(KernelLoadException.class, () -> loader.load(file, "", null)), file, "too short");
    }

    @Test
    void nonRelocatableKernelWhosePreferredAddressIsReserved() throws IOException {
        SyntheticBzImage image = new SyntheticBzImage();
        image.bytes.put(0x234, (byte) 0);
        Path file = image.write(dir.resolve("bzImage"));
        BzImageLoader blocked = new BzImageLoader(memory,
                E820Map.of(memory, List.of(E820Map.LEGACY_HOLE, new MemoryRegion(16 * MIB, MIB))));
        assertMessage(assertThrows(KernelLoadException.class, () -> blocked.load(file, "", null)), file,
                "not inside usable guest RAM");
    }

    @Test
    void emptyInitrd() throws IOException {
        Path file = new SyntheticBzImage().write(dir.resolve("bzImage"));
        Path empty = java.nio.file.Files.createFile(dir.resolve("empty.img"));
        assertMessage(assertThrows(KernelLoadException.class, () -> loader.load(file, "", empty)), empty, "empty");
    }

    @Test
    void missingFileIsAnIoErrorNamingIt() {
        Path missing = dir.resolve("no-such-kernel");
        IOException e = assertThrows(IOException.class, () -> loader.load(missing, "", null));
        assertEquals(missing.toString(), e.getMessage());
    }
}
