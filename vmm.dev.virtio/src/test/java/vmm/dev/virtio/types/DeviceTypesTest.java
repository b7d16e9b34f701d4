package vmm.dev.virtio.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.block.CreateOptions;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.device.IrqLine;
import vmm.core.device.PciConfigSpace;
import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.device.VirtioNet;
import vmm.dev.virtio.pci.VirtioPciDevice;
import vmm.storage.qcow2.Qcow2Format;
import vmm.storage.raw.RawFormat;

/** The DS device types build PCI functions from a domain's settings, and name bad settings. */
class DeviceTypesTest {
    @TempDir
    Path dir;

    @Test
    void eachTypeBuildsItsPciFunction() throws Exception {
        BlockFormats formats = BlockFormats.of(new RawFormat(), new Qcow2Format());
        Path img = dir.resolve("d.qcow2");
        new Qcow2Format().create(img, new CreateOptions(1L << 20, Map.of()), formats);
        try (GuestMemory mem = GuestMemory.allocate(16L << 20)) {
            DeviceContext ctx = DeviceContext.of("dev0", mem, gsi -> IrqLine.NONE, (a, d) -> { });
            VirtioBlkType blk = new VirtioBlkType();
            blk.setFormats(formats);
            VirtioPciDevice d = (VirtioPciDevice) blk.create(ctx, Map.of("image", img.toString(), "format", "qcow2"));
            assertEquals(0x1042, d.readConfig(PciConfigSpace.DEVICE_ID, 2));
            d.device().close();
            VirtioNetType net = new VirtioNetType();
            net.addBackend(new TestBackendTypes.Loopback());
            VirtioPciDevice n = (VirtioPciDevice) net.create(ctx, Map.of("mac", "52:54:00:ab:cd:ef"));
            assertEquals(0x1041, n.readConfig(PciConfigSpace.DEVICE_ID, 2));
            assertEquals((byte) 0xef, n.device().config()[5]);
            assertTrue(n.device() instanceof VirtioNet);
            assertEquals(0x1043, ((VirtioPciDevice) new VirtioConsoleType().create(ctx, Map.of()))
                    .readConfig(PciConfigSpace.DEVICE_ID, 2));
            assertEquals(0x1044, ((VirtioPciDevice) new VirtioRngType().create(ctx, Map.of()))
                    .readConfig(PciConfigSpace.DEVICE_ID, 2));
            assertEquals(0x1045, ((VirtioPciDevice) new VirtioBalloonType().create(ctx, Map.of("pages", "16")))
                    .readConfig(PciConfigSpace.DEVICE_ID, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.create(ctx, Map.of("backend", "tap9")));
            assertTrue(e.getMessage().contains("tap9"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> blk.create(ctx, Map.of()));
            assertThrows(IllegalArgumentException.class, () -> new VirtioRngType().create(ctx, Map.of("irq", "x")));
        }
    }

    @Test
    void everyTypeIsFoundOnAPlainClassPath() throws Exception {
        List<String> names = ServiceLoader.load(DeviceType.class).stream().map(p -> p.get().name()).sorted().toList();
        assertEquals(List.of("virtio-balloon", "virtio-blk", "virtio-console", "virtio-net", "virtio-rng"), names);
        try (GuestMemory mem = GuestMemory.allocate(16L << 20)) {
            DeviceContext ctx = DeviceContext.of("net0", mem, gsi -> IrqLine.NONE, (a, d) -> { });
            DeviceType net = new ClassPathVirtioNetType();
            Path pcap = dir.resolve("n.pcap");
            VirtioPciDevice n = (VirtioPciDevice) net.create(ctx, Map.of("backend", "pcap", "file", pcap.toString(),
                    "peer", "10.0.2.2"));
            assertEquals(0x1041, n.readConfig(PciConfigSpace.DEVICE_ID, 2));
            assertTrue(Files.size(pcap) >= 24, "pcap header written");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.create(ctx,
                    Map.of("backend", "loopback", "peer", "10.0.2")));
            assertTrue(e.getMessage().contains("peer=10.0.2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.create(ctx, Map.of("backend", "pcap")));
            assertTrue(e.getMessage().contains("file="), e.getMessage());
        }
    }
}
