package vmm.dev.ide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.IsaPorts;
import vmm.core.memory.GuestMemory;
import vmm.storage.qcow2.Qcow2Format;
import vmm.storage.raw.RawFormat;

/** The PIIX4 IDE function driven register by register, as ata_piix does, on scratch images. */
class IdeControllerTest {
    private static final int SECTORS = 2048; // a 1 MiB disk

    @TempDir
    Path dir;
    private GuestMemory memory;
    private final Map<Integer, AtomicInteger> raised = new HashMap<>();
    private final Map<Integer, Boolean> level = new HashMap<>();
    private PiixIde ide;
    private BusDevice cmd;
    private BusDevice ctl;
    private Path disk;

    @BeforeEach
    void setUp() throws IOException {
        memory = GuestMemory.allocate(16L << 20);
        disk = dir.resolve("disk.raw");
        byte[] content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i / 512 + i);
        }
        Files.write(disk, content);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (ide != null) {
            ide.close();
        }
        memory.close();
    }

    private void create(Map<String, String> config) {
        IdeType type = new IdeType();
        type.setFormats(BlockFormats.of(new RawFormat(), new Qcow2Format()));
        DeviceContext ctx = DeviceContext.of("ide-test", memory, gsi -> on -> {
            if (on && !level.getOrDefault(gsi, false)) {
                raised.computeIfAbsent(gsi, k -> new AtomicInteger()).incrementAndGet();
            }
            level.put(gsi, on);
        }, (address, data) -> {
        });
        ide = (PiixIde) type.create(ctx, config);
        ide.writeConfig(vmm.core.device.PciConfigSpace.COMMAND, 2, 0x0005); // I/O and bus master, as pci_set_master
        List<IsaPorts.Claim> claims = ide.isaPorts();
        assertEquals(List.of(0x1F0, 0x3F6, 0x170, 0x376), claims.stream().map(IsaPorts.Claim::base).toList());
        cmd = claims.get(0).device();
        ctl = claims.get(1).device();
    }

    private int irqs() {
        return raised.getOrDefault(14, new AtomicInteger()).get();
    }

    private int in(int reg) {
        byte[] b = new byte[1];
        cmd.read(reg, b);
        return b[0] & 0xff;
    }

    /** Writes a register; after a command, waits for the I/O thread as a guest waits for the interrupt. */
    private void out(int reg, int value) {
        cmd.write(reg, new byte[] {(byte) value});
        if (reg == 7) {
            ide.settle();
        }
    }

    private int inw() {
        byte[] b = new byte[2];
        cmd.read(0, b);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8;
    }

    private void bm(int offset, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        ide.bar(4).write(offset, b);
        ide.settle();
    }

    private int bmStatus() {
        byte[] b = new byte[1];
        ide.bar(4).read(2, b);
        return b[0] & 0xff;
    }

    private void lba28(long lba, int count) {
        out(6, 0xE0 | (int) (lba >>> 24));
        out(2, count);
        out(3, (int) lba);
        out(4, (int) (lba >>> 8));
        out(5, (int) (lba >>> 16));
    }

    private void lba48(long lba, int count) {
        out(6, 0x40);
        out(2, count >>> 8);
        out(3, (int) (lba >>> 24));
        out(4, (int) (lba >>> 32));
        out(5, (int) (lba >>> 40));
        out(2, count);
        out(3, (int) lba);
        out(4, (int) (lba >>> 8));
        out(5, (int) (lba >>> 16));
    }

    private byte[] readPio(int bytes) {
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i += 2) {
            int w = inw();
            data[i] = (byte) w;
            data[i + 1] = (byte) (w >>> 8);
        }
        return data;
    }

    private byte[] fileSectors(Path p, long lba, int count) throws IOException {
        byte[] all = Files.readAllBytes(p);
        return java.util.Arrays.copyOfRange(all, (int) lba * 512, (int) (lba + count) * 512);
    }

    @Test
    void identifyDescribesTheDisk() {
        create(Map.of("file", disk.toString(), "format", "raw"));
        assertEquals(1, in(2), "signature: sector count");
        assertEquals(1, in(3), "signature: LBA low");
        assertEquals(0x50, in(7), "DRDY|DSC");
        out(6, 0xA0);
        out(7, Ata.IDENTIFY);
        assertEquals(1, irqs());
        assertTrue(level.get(14));
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7));
        assertFalse(level.get(14), "reading the status acknowledges INTRQ");
        byte[] id = readPio(512);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        ByteBuffer w = ByteBuffer.wrap(id).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(SECTORS, w.getShort(60 * 2) & 0xffff | (w.getShort(61 * 2) & 0xffff) << 16);
        assertEquals(SECTORS, w.getLong(100 * 2));
        assertTrue((w.getShort(83 * 2) & 0x0400) != 0, "LBA48");
        assertTrue((w.getShort(49 * 2) & 0x0300) == 0x0300, "LBA and DMA");
        assertEquals(0x3F, w.getShort(88 * 2) & 0x3F, "UDMA 0-5 supported");
        StringBuilder model = new StringBuilder();
        for (int i = 27; i < 47; i++) {
            model.append((char) id[2 * i + 1]).append((char) id[2 * i]);
        }
        assertEquals("VMM HARDDISK", model.toString().trim());
        int sum = 0;
        for (byte b : id) {
            sum += b & 0xff;
        }
        assertEquals(0, sum & 0xff, "the integrity word's checksum");
        assertEquals(0xA5, id[510] & 0xff);

        out(1, Ata.SF_XFER_MODE);
        out(2, 0x42); // UDMA 2
        out(7, Ata.SET_FEATURES);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        out(7, Ata.IDENTIFY);
        ByteBuffer w2 = ByteBuffer.wrap(readPio(512)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x0400 | 0x3F, w2.getShort(88 * 2) & 0xffff, "UDMA 2 selected");
    }

    @Test
    void pioWritesReachTheFileAndReadBack() throws IOException {
        create(Map.of("file", disk.toString(), "format", "raw"));
        byte[] pattern = "host<-guest PIO ".repeat(64).getBytes(StandardCharsets.US_ASCII); // 1024 bytes
        lba28(5, 2);
        out(7, Ata.WRITE_SECTORS);
        assertEquals(0, irqs(), "no interrupt before the first block of a PIO write");
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7));
        for (int i = 0; i < pattern.length; i += 4) { // 32-bit accesses, as PIO32 does
            cmd.write(0, java.util.Arrays.copyOfRange(pattern, i, i + 4));
            if (i == 508) {
                assertEquals(1, irqs(), "the first block landed");
                assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7), "ready for the next");
            }
        }
        assertEquals(2, irqs(), "one interrupt per block");
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        out(7, Ata.FLUSH_CACHE_EXT);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        assertEquals(1, ide.flushes());
        assertArrayEquals(pattern, fileSectors(disk, 5, 2));

        lba48(4, 3);
        out(7, Ata.READ_SECTORS_EXT);
        byte[] back = readPio(3 * 512);
        assertArrayEquals(fileSectors(disk, 4, 3), back);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        assertEquals(5, ide.pioSectors());
    }

    @Test
    void readMultipleTransfersBlocksOfTheSetSize() throws IOException {
        create(Map.of("file", disk.toString()));
        lba28(0, 4);
        out(7, Ata.READ_MULTIPLE);
        assertEquals(Ata.ERR, in(7) & Ata.ERR, "READ MULTIPLE before SET MULTIPLE aborts");
        assertEquals(Ata.ABRT, in(1));
        out(2, 3);
        out(7, Ata.SET_MULTIPLE);
        assertEquals(Ata.ERR, in(7) & Ata.ERR, "3 is not a power of two");
        out(2, 2);
        out(7, Ata.SET_MULTIPLE);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        int before = irqs();
        lba28(10, 4);
        out(7, Ata.READ_MULTIPLE);
        assertEquals(before + 1, irqs());
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7), "the first block is ready");
        byte[] first = readPio(1024);
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7), "the second block is ready");
        byte[] second = readPio(1024);
        assertEquals(before + 2, irqs(), "an interrupt per 2-sector block");
        assertArrayEquals(fileSectors(disk, 10, 2), first);
        assertArrayEquals(fileSectors(disk, 12, 2), second);
    }

    /** Writes a PRD table at 0x1000 with the given (address, bytes) entries. */
    private void prd(long... entries) {
        for (int i = 0; i < entries.length; i += 2) {
            memory.writeInt(0x1000 + 4 * i, (int) entries[i]);
            int count = (int) entries[i + 1] & 0xFFFF;
            memory.writeInt(0x1000 + 4 * i + 4, count | (i + 2 == entries.length ? 0x8000_0000 : 0));
        }
        bm(4, 0x00, 0x10, 0x00, 0x00);
    }

    @Test
    void dmaMovesDataThroughThePrdTable() throws IOException {
        create(Map.of("file", disk.toString(), "format", "raw"));
        byte[] pattern = new byte[1536];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 7 + 3);
        }
        memory.write(0x20000, ByteBuffer.wrap(pattern, 0, 1024));
        memory.write(0x30000, ByteBuffer.wrap(pattern, 1024, 512));
        prd(0x20000, 1024, 0x30000, 512);
        bm(0, 0x00); // direction: memory to disk
        lba48(100, 3);
        out(7, Ata.WRITE_DMA_EXT);
        assertEquals(0, irqs(), "nothing moves before the bus master starts");
        bm(0, 0x01);
        assertEquals(1, irqs());
        assertEquals(0x04, bmStatus() & 0x07, "interrupt, not active, no error");
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        bm(0, 0x00);
        bm(2, 0x04); // write-1-to-clear
        assertEquals(0, bmStatus() & 0x07);
        assertArrayEquals(pattern, fileSectors(disk, 100, 3));

        // and back: start first, then the command (ata_bmdma's order is the other way round)
        prd(0x40000, 0); // one 64 KiB entry, more than the transfer
        bm(0, 0x09);
        lba28(7, 8);
        out(7, Ata.READ_DMA);
        assertEquals(2, irqs());
        byte[] back = new byte[8 * 512];
        memory.read(0x40000, ByteBuffer.wrap(back));
        assertArrayEquals(fileSectors(disk, 7, 8), back);
        assertEquals(11, ide.dmaSectors());
        assertEquals(0, ide.pioSectors());
    }

    @Test
    void aHostilePrdTableGetsAnErrorStatus() throws IOException {
        create(Map.of("file", disk.toString(), "format", "raw"));
        byte[] before = Files.readAllBytes(disk);
        prd(0xFFFF_0000L, 512); // above the 16 MiB of RAM
        lba28(0, 1);
        out(7, Ata.READ_DMA);
        bm(0, 0x09);
        assertEquals(Ata.ERR, in(7) & Ata.ERR);
        assertEquals(Ata.ABRT, in(1));
        assertEquals(0x06, bmStatus() & 0x07, "bus-master error and interrupt");

        bm(4, 0x00, 0x00, 0xF0, 0xFF); // the table itself outside RAM
        bm(0, 0x00);
        lba28(0, 1);
        out(7, Ata.WRITE_DMA);
        bm(0, 0x01);
        assertEquals(Ata.ERR, in(7) & Ata.ERR);

        prd(0x20000, 512); // a table shorter than the transfer
        bm(0, 0x00);
        lba28(0, 4);
        out(7, Ata.READ_DMA);
        bm(0, 0x09);
        assertEquals(Ata.ERR, in(7) & Ata.ERR);
        assertArrayEquals(before, Files.readAllBytes(disk));
        assertEquals(3, ide.errors());
        assertEquals(0, ide.dmaSectors());

        ide.writeConfig(vmm.core.device.PciConfigSpace.COMMAND, 2, 0x0001); // bus mastering off
        prd(0x20000, 512);
        lba28(0, 1);
        out(7, Ata.READ_DMA);
        bm(0, 0x09);
        assertEquals(Ata.ERR, in(7) & Ata.ERR, "no DMA without bus mastering");
        assertEquals(4, ide.errors());

        lba28(0, 1); // the channel still works
        out(7, Ata.READ_SECTORS);
        assertArrayEquals(fileSectors(disk, 0, 1), readPio(512));
    }

    @Test
    void errorsAbortWithTheRightBits() throws IOException {
        Path ro = dir.resolve("ro.raw");
        Files.copy(disk, ro);
        create(Map.of("hda.file", disk.toString(), "hdb.file", ro.toString(), "hdb.readonly", "on"));
        lba28(SECTORS - 1, 2); // past the end
        out(7, Ata.READ_SECTORS);
        assertEquals(Ata.DRDY | Ata.DSC | Ata.ERR, in(7));
        assertEquals(Ata.IDNF, in(1));
        out(7, 0xB0); // SMART: not implemented
        assertEquals(Ata.ABRT, in(1));
        out(6, 0xF0); // the read-only slave
        out(2, 1);
        out(7, Ata.WRITE_SECTORS);
        assertEquals(Ata.ABRT, in(1));
        assertEquals(0, in(7) & Ata.DRQ, "no data phase");
        out(7, Ata.WRITE_DMA);
        assertEquals(Ata.ABRT, in(1));
        assertArrayEquals(Files.readAllBytes(disk), Files.readAllBytes(ro));
    }

    @Test
    void softResetRestoresTheSignatureAndAnAbsentSlaveReadsZero() {
        create(Map.of("file", disk.toString()));
        out(6, 0xB0); // the slave, which is not there
        out(2, 0x55);
        out(3, 0xAA);
        assertEquals(0, in(2), "libata's device check finds nothing");
        assertEquals(0, in(7));
        out(6, 0xA0);
        out(7, 0xB0); // an error, to see the reset clear it
        ctl.write(0, new byte[] {(byte) (Ata.SRST | Ata.NIEN)});
        byte[] alt = new byte[1];
        ctl.read(0, alt);
        assertEquals(Ata.BSY, alt[0] & 0xff);
        ctl.write(0, new byte[] {(byte) Ata.NIEN});
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        assertEquals(1, in(1), "diagnostics passed");
        assertEquals(List.of(1, 1, 0, 0), List.of(in(2), in(3), in(4), in(5)));
        int before = irqs();
        out(7, Ata.IDENTIFY); // nIEN masks INTRQ
        assertEquals(before, irqs());
    }

    @Test
    void qcow2ImagesWork() throws Exception {
        Path q = dir.resolve("disk.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-f", "qcow2", q.toString(), "1M")
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        create(Map.of("file", q.toString(), "format", "qcow2"));
        byte[] pattern = new byte[512];
        java.util.Arrays.fill(pattern, (byte) 0x5A);
        memory.write(0x20000, ByteBuffer.wrap(pattern));
        prd(0x20000, 512);
        lba28(8, 1);
        out(7, Ata.WRITE_DMA);
        bm(0, 0x01);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        out(7, Ata.FLUSH_CACHE);
        ide.close();
        ide = null;
        Process io = new ProcessBuilder("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 4096 512", q.toString())
                .redirectErrorStream(true).start();
        String out = new String(io.getInputStream().readAllBytes());
        assertEquals(0, io.waitFor(), out);
        assertFalse(out.contains("verification failed"), out);
        assertTrue(out.contains("read 512/512"), out);
    }

    @Test
    void badSettingsAreClearErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> create(Map.of())).getMessage()
                .contains("file=FILE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> create(Map.of("file", "x", "target", "hde")))
                .getMessage().contains("hde"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> create(Map.of("file", "x", "bogus", "1")))
                .getMessage().contains("bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> create(Map.of("hdz.file", "x")))
                .getMessage().contains("hdz"));
    }

    @Test
    void theSecondaryChannelHasItsOwnPortsAndIrq15() throws IOException {
        create(Map.of("hdc.file", disk.toString(), "hdc.format", "raw"));
        assertEquals(0, in(7), "no disk on the primary channel");
        BusDevice secondary = ide.isaPorts().get(2).device();
        secondary.write(6, new byte[] {(byte) 0xA0});
        secondary.write(7, new byte[] {(byte) Ata.IDENTIFY});
        assertEquals(1, raised.get(15).get());
        assertEquals(0, irqs(), "nothing on IRQ 14");
        byte[] status = new byte[1];
        secondary.read(7, status);
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, status[0] & 0xff);
        assertEquals(-1, ide.transferMode(0));
        assertEquals(0, ide.transferMode(2));
    }

    @Test
    void aPioReadGoesOnAfterSaveAndRestore() throws IOException {
        Map<String, String> config = Map.of("file", disk.toString(), "format", "raw");
        create(config);
        out(2, 2);
        out(7, Ata.SET_MULTIPLE);
        lba28(20, 4);
        out(7, Ata.READ_MULTIPLE);
        in(7);
        byte[] first = readPio(600);
        ide.writeConfig(0x40, 2, 0xA307); // timings as ata_piix programs them
        vmm.core.device.DeviceState saved = vmm.core.device.DeviceState.fromBytes(ide.saveState().toBytes());
        ide.close();
        ide = null;
        create(config);
        ide.restoreState(saved);
        assertEquals(0xA307, ide.readConfig(0x40, 2));
        byte[] rest = readPio(4 * 512 - 600 - 1024);
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7), "the second block comes after the restore");
        byte[] last = readPio(1024);
        assertEquals(Ata.DRDY | Ata.DSC, in(7));
        byte[] all = new byte[4 * 512];
        System.arraycopy(first, 0, all, 0, 600);
        System.arraycopy(rest, 0, all, 600, rest.length);
        System.arraycopy(last, 0, all, 1024, 1024);
        assertArrayEquals(fileSectors(disk, 20, 4), all);

        ide.close();
        ide = null;
        create(Map.of("hdb.file", disk.toString()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ide.restoreState(saved)).getMessage()
                .contains("master"));
        assertThrows(IllegalArgumentException.class,
                () -> ide.restoreState(new vmm.core.device.DeviceState("ide", 1, new byte[300])));
    }

    /** Random writes and reads at every port and register: no exception, and a reset brings the disk back. */
    @Test
    void randomRegisterTrafficCannotHurtTheHost() throws IOException {
        create(Map.of("file", disk.toString(), "format", "raw"));
        java.util.Random r = new java.util.Random(1234);
        BusDevice bar = ide.bar(4);
        for (int i = 0; i < 200_000; i++) {
            int size = 1 << r.nextInt(3);
            byte[] b = new byte[size];
            r.nextBytes(b);
            int which = r.nextInt(10);
            if (which < 5) {
                int reg = r.nextInt(8);
                if (reg == 7 && r.nextBoolean()) {
                    b[0] = (byte) (0x20 + r.nextInt(0xE0)); // favour real commands
                }
                if (r.nextBoolean()) {
                    cmd.write(reg, b);
                } else {
                    cmd.read(reg, b);
                }
            } else if (which < 6) {
                if (r.nextBoolean()) {
                    ctl.write(0, b);
                } else {
                    ctl.read(0, b);
                }
            } else if (which < 9) {
                long at = r.nextInt(16);
                if (r.nextBoolean()) {
                    bar.write(at, b);
                } else {
                    bar.read(at, b);
                }
            } else {
                memory.writeLong(0x1000 + 8 * r.nextInt(64), r.nextLong()); // PRD entries anywhere
            }
        }
        ide.settle();
        ctl.write(0, new byte[] {(byte) Ata.SRST});
        ctl.write(0, new byte[] {0});
        bm(0, 0x00);
        lba28(3, 1);
        out(7, Ata.READ_SECTORS);
        assertEquals(Ata.DRDY | Ata.DSC | Ata.DRQ, in(7));
        assertArrayEquals(fileSectors(disk, 3, 1), readPio(512));
    }
}
