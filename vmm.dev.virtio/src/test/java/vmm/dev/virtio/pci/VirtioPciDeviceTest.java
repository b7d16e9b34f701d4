package vmm.dev.virtio.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;
import vmm.core.device.DeviceContext;
import vmm.core.device.IrqLine;
import vmm.core.device.PciConfigSpace;
import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.device.VirtioBlk;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtioFeatures;
import vmm.storage.raw.RawFormat;

/**
 * virtio-pci at the register level, as Linux's virtio_pci_modern drives it: capabilities, BAR
 * sizing, feature negotiation, queue setup through the common configuration, a notify that
 * makes virtio-blk read the disk into guest memory, the used ring, and the MSI-X message.
 */
class VirtioPciDeviceTest {
    @TempDir
    Path dir;
    GuestMemory mem;
    BlockImage image;
    VirtioPciDevice pci;
    final List<long[]> msis = new ArrayList<>();
    final List<Boolean> intx = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        mem = GuestMemory.allocate(32L << 20);
        Path img = dir.resolve("d.raw");
        RawFormat raw = new RawFormat();
        raw.create(img, new CreateOptions(1L << 20, Map.of()), BlockFormats.of(raw));
        image = raw.open(img, OpenOptions.readWrite(), BlockFormats.of(raw));
        image.write(4096, ByteBuffer.wrap("sector-eight-data".getBytes(StandardCharsets.US_ASCII)));
        DeviceContext ctx = DeviceContext.of("virtio-blk@00:04.0", mem, gsi -> IrqLine.NONE, (a, d) -> {
            synchronized (msis) {
                msis.add(new long[] {a, d});
                msis.notifyAll();
            }
        });
        pci = new VirtioPciDevice(new VirtioBlk("blk", image, "serial", 1, 1), ctx, intx::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        pci.device().close();
        mem.close();
    }

    int cfg(int off, int size) {
        return pci.readConfig(off, size);
    }

    void bar(long off, int size, long value) {
        byte[] d = new byte[size];
        for (int i = 0; i < size; i++) {
            d[i] = (byte) (value >>> (8 * i));
        }
        pci.write(off, d);
    }

    long barRead(long off, int size) {
        byte[] d = new byte[size];
        pci.read(off, d);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (d[i] & 0xff);
        }
        return v;
    }

    @Test
    void identityCapabilitiesAndBar() {
        assertEquals(0x1af4, cfg(PciConfigSpace.VENDOR_ID, 2));
        assertEquals(0x1042, cfg(PciConfigSpace.DEVICE_ID, 2), "0x1040 + virtio id 2");
        assertEquals(1, cfg(PciConfigSpace.REVISION_ID, 1));
        List<Integer> virtioTypes = new ArrayList<>();
        boolean msix = false;
        for (int p = cfg(PciConfigSpace.CAPABILITIES_POINTER, 1); p != 0; p = cfg(p + 1, 1)) {
            if (cfg(p, 1) == 0x09) {
                virtioTypes.add(cfg(p + 3, 1));
                assertEquals(VirtioPciDevice.BAR, cfg(p + 4, 1));
            } else if (cfg(p, 1) == 0x11) {
                msix = true;
                assertEquals(1, cfg(p + 2, 2) & 0x7ff, "two vectors: config and the queue");
            }
        }
        assertEquals(List.of(1, 2, 3, 4), virtioTypes);
        assertTrue(msix);
        pci.writeConfig(PciConfigSpace.BAR0 + 16, 4, 0xffffffff);
        assertEquals(~(VirtioPciDevice.BAR_SIZE - 1) | 0x4, cfg(PciConfigSpace.BAR0 + 16, 4), "64-bit memory BAR sizing");
    }

    @Test
    void requestThroughNotifyCompletesWithMsix() throws Exception {
        // MSI-X on, vector 0 unmasked at 0xfee00000/0x41.
        int msixCap = 0;
        for (int p = cfg(PciConfigSpace.CAPABILITIES_POINTER, 1); p != 0; p = cfg(p + 1, 1)) {
            if (cfg(p, 1) == 0x11) {
                msixCap = p;
            }
        }
        pci.writeConfig(msixCap + 2, 2, 0x8000);
        bar(VirtioPciDevice.MSIX_TABLE, 4, 0xfee00000L);
        bar(VirtioPciDevice.MSIX_TABLE + 8, 4, 0x41);
        bar(VirtioPciDevice.MSIX_TABLE + 12, 4, 0);
        // Status and features, as virtio_pci_modern does.
        bar(0x14, 1, VirtioPciDevice.STATUS_ACKNOWLEDGE | VirtioPciDevice.STATUS_DRIVER);
        bar(0x00, 4, 1);
        assertEquals(1, barRead(0x04, 4), "VERSION_1 offered");
        bar(0x08, 4, 0);
        bar(0x0c, 4, (int) (VirtioFeatures.RING_EVENT_IDX | VirtioBlk.F_FLUSH));
        bar(0x08, 4, 1);
        bar(0x0c, 4, 1);
        bar(0x14, 1, 0x0b);
        assertEquals(0x0b, barRead(0x14, 1), "FEATURES_OK kept");
        assertEquals(1, barRead(0x12, 2), "one queue");
        bar(0x16, 2, 0);
        assertEquals(256, barRead(0x18, 2));
        bar(0x18, 2, 16);
        bar(0x1a, 2, 0);
        long desc = 0x100000;
        long avail = 0x101000;
        long used = 0x102000;
        bar(0x20, 4, desc);
        bar(0x24, 4, 0);
        bar(0x28, 4, avail);
        bar(0x2c, 4, 0);
        bar(0x30, 4, used);
        bar(0x34, 4, 0);
        bar(0x1c, 2, 1);
        bar(0x14, 1, 0x0f);
        // A read of sector 8: header, 512-byte buffer, status byte.
        long hdr = 0x200000;
        mem.writeInt(hdr, VirtioBlk.T_IN);
        mem.writeLong(hdr + 8, 8);
        writeDesc(desc, 0, hdr, 16, Virtqueue.DESC_F_NEXT, 1);
        writeDesc(desc, 1, 0x201000, 512, Virtqueue.DESC_F_NEXT | Virtqueue.DESC_F_WRITE, 2);
        writeDesc(desc, 2, 0x202000, 1, Virtqueue.DESC_F_WRITE, 0);
        mem.writeByte(0x202000, (byte) 0xff);
        mem.writeShort(avail + 4, (short) 0);
        mem.writeShort(avail + 2, (short) 1);
        bar(VirtioPciDevice.NOTIFY, 2, 0);
        synchronized (msis) {
            long end = System.currentTimeMillis() + 5000;
            while (msis.isEmpty() && System.currentTimeMillis() < end) {
                msis.wait(100);
            }
        }
        assertEquals(1, Short.toUnsignedInt(mem.readShort(used + 2)), "used index");
        assertEquals(0, mem.readInt(used + 4), "head");
        assertEquals(513, mem.readInt(used + 8), "data + status");
        assertEquals(0, mem.readByte(0x202000), "VIRTIO_BLK_S_OK");
        byte[] got = new byte[17];
        mem.read(0x201000, ByteBuffer.wrap(got));
        assertEquals("sector-eight-data", new String(got, StandardCharsets.US_ASCII));
        assertEquals(1, msis.size());
        assertEquals(0xfee00000L, msis.get(0)[0]);
        assertEquals(0x41, msis.get(0)[1]);
        assertTrue(intx.isEmpty(), "no INTx with MSI-X on");
    }

    @Test
    void brokenRingSetsNeedsResetAndResetRecovers() throws Exception {
        bar(0x14, 1, 3);
        bar(0x08, 4, 1);
        bar(0x0c, 4, 1);
        bar(0x14, 1, 0x0b);
        bar(0x16, 2, 0);
        bar(0x18, 2, 16);
        bar(0x20, 4, 0xC000_0000L);   // the PCI hole: not RAM
        bar(0x28, 4, 0x101000);
        bar(0x30, 4, 0x102000);
        bar(0x1c, 2, 1);
        assertTrue((barRead(0x14, 1) & VirtioPciDevice.STATUS_NEEDS_RESET) != 0);
        assertEquals(0x02, barRead(VirtioPciDevice.ISR, 1), "config-change interrupt by INTx");
        assertEquals(List.of(true, false), intx, "raised, lowered by the ISR read");
        bar(0x14, 1, 0);
        assertEquals(0, barRead(0x14, 1), "reset clears NEEDS_RESET");
    }

    @Test
    void featuresNotOfferedAreRefused() {
        bar(0x14, 1, 3);
        bar(0x08, 4, 0);
        bar(0x0c, 4, 1 << 7);   // VIRTIO_BLK_F_GEOMETRY is bit 4; bit 7 (SCSI) is not offered
        bar(0x08, 4, 1);
        bar(0x0c, 4, 1);
        bar(0x14, 1, 0x0b);
        assertEquals(0x03, barRead(0x14, 1), "no FEATURES_OK");
    }

    void writeDesc(long table, int i, long addr, int len, int flags, int next) {
        long d = table + 16L * i;
        mem.writeLong(d, addr);
        mem.writeInt(d + 8, len);
        mem.writeShort(d + 12, (short) flags);
        mem.writeShort(d + 14, (short) next);
    }
}
