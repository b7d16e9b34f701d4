package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static vmm.core.loader.BzImageLoaderTest.assertMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small built ELFs, well-formed and spoiled: the PVH loader's checks one by one. */
class PvhHostileElfTest {

    private static final long MIB = 1L << 20;
    private static final long TEXT = 0x100_0000;
    private static final long ENTRY = TEXT + 0x40;

    @TempDir
    Path dir;

    private final HeapGuestMemory memory = HeapGuestMemory.ofSize(64 * MIB);
    private final PvhLoader loader = new PvhLoader(memory, E820Map.of(memory, List.of(E820Map.LEGACY_HOLE)));

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    /** A text segment, a data segment with 0x3000 bytes of bss, the PVH note. */
    private static SyntheticElf kernel() {
        return new SyntheticElf()
                .load(TEXT, pattern(0x1000, 1), 0x1000)
                .load(TEXT + 0x20_0000, pattern(0x800, 2), 0x3800)
                .note("Xen", 6, "linux\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .pvhEntry(ENTRY);
    }

    private Path write(byte[] elf) throws IOException {
        return Files.write(dir.resolve("vmlinux"), elf);
    }

    private void refused(byte[] elf, String problem) throws IOException {
        Path file = write(elf);
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> loader.load(file, "console=ttyS0", null));
        assertMessage(e, file, problem);
    }

    private void refused(Consumer<ByteBuffer> spoil, String problem) throws IOException {
        byte[] elf = kernel().build();
        spoil.accept(ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN));
        refused(elf, problem);
    }

    private static int phdr(int index) {
        return SyntheticElf.PHDRS + index * SyntheticElf.PHDR_SIZE;
    }

    @Test
    void wellFormedKernelLoadsAndItsBssIsZeroed() throws IOException {
        // Leftovers of an earlier boot where the bss goes: the loader must clear them.
        byte[] garbage = new byte[0x3800];
        Arrays.fill(garbage, (byte) 0xAA);
        memory.write(TEXT + 0x20_0000, ByteBuffer.wrap(garbage));

        BootInfo boot = loader.load(write(kernel().build()), "console=ttyS0", null);
        assertEquals(ENTRY, boot.entryPoint());
        assertEquals(EntryMode.PVH_32BIT, boot.mode());
        assertArrayEquals(pattern(0x1000, 1), memory.bytes(TEXT, 0x1000));
        assertArrayEquals(pattern(0x800, 2), memory.bytes(TEXT + 0x20_0000, 0x800));
        assertArrayEquals(new byte[0x3000], memory.bytes(TEXT + 0x20_0800, 0x3000), "bss zeroed");
        assertEquals(List.of(new Placement(Placement.Kind.KERNEL, TEXT, 0x1000),
                new Placement(Placement.Kind.KERNEL, TEXT + 0x20_0000, 0x3800)), boot.all(Placement.Kind.KERNEL));
    }

    @Test
    void fourByteEntryNoteIsAccepted() throws IOException {
        byte[] desc = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) ENTRY).array();
        byte[] elf = new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).note("Xen", 18, desc).build();
        assertEquals(ENTRY, loader.load(write(elf), "", null).entryPoint());
    }

    @Test
    void bssOnlySegmentNeedsNoFileData() throws IOException {
        memory.write(TEXT + 0x40_0000, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        byte[] elf = new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).load(TEXT + 0x40_0000, new byte[0], 0x2000)
                .pvhEntry(ENTRY).build();
        ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).putLong(phdr(1) + 8, 1L << 40);
        BootInfo boot = loader.load(write(elf), "", null);
        assertEquals(new Placement(Placement.Kind.KERNEL, TEXT + 0x40_0000, 0x2000), boot.all(Placement.Kind.KERNEL).get(1));
        assertArrayEquals(new byte[0x2000], memory.bytes(TEXT + 0x40_0000, 0x2000), "bss zeroed");
    }

    @Test
    void notAnElf() throws IOException {
        refused(b -> b.putInt(0, 0x12345678), "not an ELF file");
    }

    @Test
    void elf32() throws IOException {
        refused(b -> b.put(4, (byte) 1), "not a 64-bit ELF");
    }

    @Test
    void bigEndian() throws IOException {
        refused(b -> b.put(5, (byte) 2), "not a little-endian ELF");
    }

    @Test
    void wrongMachine() throws IOException {
        refused(b -> b.putShort(18, (short) 183), "ELF machine 183 is not x86-64");
    }

    @Test
    void relocatableObject() throws IOException {
        refused(b -> b.putShort(16, (short) 1), "not an executable");
    }

    @Test
    void hugeProgramHeaderCount() throws IOException {
        refused(b -> b.putShort(56, (short) 0xffff), "65535 program headers");
    }

    @Test
    void programHeadersPastTheEnd() throws IOException {
        refused(b -> b.putLong(32, 1L << 40), "truncated: the ELF program headers");
    }

    @Test
    void wrongProgramHeaderSize() throws IOException {
        refused(b -> b.putShort(54, (short) 32), "program header size 32");
    }

    @Test
    void segmentDataPastTheEndOfTheFile() throws IOException {
        refused(b -> b.putLong(phdr(0) + 8, 0x7fff_0000L), "truncated: program header 0");
    }

    @Test
    void segmentFileSizeLargerThanMemorySize() throws IOException {
        refused(b -> b.putLong(phdr(0) + 40, 0x10), "larger than p_memsz");
    }

    @Test
    void segmentOutsideRam() throws IOException {
        refused(b -> b.putLong(phdr(1) + 24, 1L << 32), "PT_LOAD segment 1 [0x100000000-0x100003800) is not inside usable guest RAM");
    }

    @Test
    void segmentWrappingTheAddressSpace() throws IOException {
        refused(b -> b.putLong(phdr(1) + 24, -0x1000L), "outside the physical address space");
    }

    @Test
    void segmentInTheLegacyHole() throws IOException {
        refused(b -> b.putLong(phdr(1) + 24, 0xB_8000), "is not inside usable guest RAM");
    }

    @Test
    void overlappingSegments() throws IOException {
        refused(b -> b.putLong(phdr(1) + 24, TEXT + 0x800), "PT_LOAD segment 1 [0x1000800-0x1004000) overlaps KERNEL");
    }

    @Test
    void segmentOverTheBootStructures() throws IOException {
        refused(b -> b.putLong(phdr(0) + 24, 0x6000), "overlaps BOOT_PARAMS");
    }

    @Test
    void noPvhNote() throws IOException {
        byte[] elf = new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).note("Xen", 6, new byte[4]).build();
        refused(elf, "no Xen PVH entry note");
    }

    @Test
    void pvhNoteOfAnotherOwnerDoesNotCount() throws IOException {
        byte[] elf = new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).note("Xem", 18, new byte[8]).build();
        refused(elf, "no Xen PVH entry note");
    }

    @Test
    void noteRunningPastItsSegment() throws IOException {
        // The PT_NOTE is program header 2; its first note's descsz claims 1 GiB.
        refused(b -> {
            long notes = b.getLong(phdr(2) + 8);
            b.putInt((int) notes + 4, 1 << 30);
        }, "runs past its end");
    }

    @Test
    void hugeNoteSegment() throws IOException {
        refused(b -> b.putLong(phdr(2) + 32, 1L << 30), "PT_NOTE of 1073741824 bytes is too large");
    }

    @Test
    void entryNoteWithOddSize() throws IOException {
        byte[] elf = new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).note("Xen", 18, new byte[6]).build();
        refused(elf, "6-byte descriptor");
    }

    @Test
    void entryAbove4GiB() throws IOException {
        refused(new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).pvhEntry(1L << 32).build(),
                "not a 32-bit physical address");
    }

    @Test
    void entryOutsideTheSegments() throws IOException {
        byte[] elf = new SyntheticElf().load(TEXT, pattern(0x100, 3), 0x100).pvhEntry(TEXT + 0x100).build();
        refused(elf, "not inside a loaded segment");
    }

    @Test
    void noLoadableSegment() throws IOException {
        refused(new SyntheticElf().pvhEntry(ENTRY).build(), "no PT_LOAD");
    }

    @Test
    void truncatedHeader() throws IOException {
        refused(Arrays.copyOf(kernel().build(), 40), "shorter than an ELF64 header");
    }

    @Test
    void aBzImageIsNotAVmlinux() throws IOException {
        refused(new SyntheticBzImage().bytes.array(), "not an ELF file");
    }
}
