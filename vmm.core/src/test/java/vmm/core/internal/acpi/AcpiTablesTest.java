package vmm.core.internal.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.memory.GuestMemory;

/** Reads the tables back from guest RAM the way a guest finds them, and checks them. */
class AcpiTablesTest {
    private static GuestMemory memory;
    private static AcpiTables.Layout layout;
    private static final Map<String, byte[]> TABLES = new HashMap<>();

    @BeforeAll
    static void writeTables() {
        memory = GuestMemory.allocate(16L << 20);
        layout = AcpiTables.write(memory, new AcpiTables.Config(4, 0xc000_0000L, 0xfebf_ffffL, 0xfed0_0000L));
        long rsdp = findRsdp();
        byte[] r = bytes(rsdp, 36);
        long xsdt = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
        byte[] x = table(xsdt);
        TABLES.put("XSDT", x);
        TABLES.put("RSDT", table(ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt(16) & 0xffff_ffffL));
        for (int off = 36; off < x.length; off += 8) {
            byte[] t = table(ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN).getLong(off));
            TABLES.put(new String(t, 0, 4, StandardCharsets.US_ASCII), t);
        }
        byte[] fadt = TABLES.get("FACP");
        long dsdt = ByteBuffer.wrap(fadt).order(ByteOrder.LITTLE_ENDIAN).getLong(140);
        TABLES.put("DSDT", table(dsdt));
    }

    @AfterAll
    static void free() {
        memory.close();
    }

    /** As Linux does: every 16 bytes from 0xE0000 to 0xFFFFF, signature and checksum. */
    private static long findRsdp() {
        for (long a = 0xe_0000L; a < 0x10_0000L; a += 16) {
            byte[] b = bytes(a, 20);
            if (new String(b, 0, 8, StandardCharsets.US_ASCII).equals("RSD PTR ") && sum(b) == 0) {
                assertEquals(0, sum(bytes(a, 36)), "extended checksum");
                return a;
            }
        }
        throw new AssertionError("no RSDP in the BIOS area");
    }

    private static byte[] bytes(long gpa, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        memory.read(gpa, b);
        return b.array();
    }

    private static byte[] table(long gpa) {
        int length = ByteBuffer.wrap(bytes(gpa, 8)).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        byte[] t = bytes(gpa, length);
        assertEquals(0, sum(t), new String(t, 0, 4, StandardCharsets.US_ASCII) + " checksum");
        return t;
    }

    private static int sum(byte[] b) {
        int s = 0;
        for (byte x : b) {
            s += x;
        }
        return s & 0xff;
    }

    private static ByteBuffer le(byte[] t) {
        return ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void everyTableIsReachableAndInsideTheReservedBiosArea() {
        assertTrue(TABLES.keySet().containsAll(List.of("XSDT", "RSDT", "FACP", "APIC", "HPET", "DSDT")), TABLES.keySet().toString());
        assertTrue(layout.region().guestAddress() >= 0xe_0000L && layout.region().end() <= 0x10_0000L);
        byte[] rsdt = TABLES.get("RSDT");
        byte[] xsdt = TABLES.get("XSDT");
        assertEquals((rsdt.length - 36) / 4, (xsdt.length - 36) / 8, "RSDT and XSDT list the same tables");
    }

    @Test
    void fadtDescribesThePmBlockSciResetAndDsdt() {
        ByteBuffer f = le(TABLES.get("FACP"));
        assertEquals(276, f.getInt(4));
        assertEquals(6, f.get(8));
        assertEquals(9, f.getShort(46));
        assertEquals(0, f.getInt(48), "no SMI command port");
        assertEquals(0x600, f.getInt(56));
        assertEquals(0x604, f.getInt(64));
        assertEquals(0x608, f.getInt(76));
        assertEquals(4, f.get(88));
        assertEquals(2, f.get(89));
        assertEquals(4, f.get(91));
        assertEquals(0x32, f.get(108));
        int flags = f.getInt(112);
        assertEquals(0x400, flags & 0x400, "reset register supported");
        assertEquals(0, flags & 0x10, "fixed power button");
        assertEquals(1, f.get(116), "reset register in I/O space");
        assertEquals(0xcf9, f.getLong(120));
        assertEquals(6, f.get(128));
        assertEquals(f.getInt(40) & 0xffff_ffffL, f.getLong(140), "DSDT and X_DSDT agree");
        assertEquals(0x608, f.getLong(208 + 4));
        long facs = f.getLong(132);
        assertArrayEquals("FACS".getBytes(StandardCharsets.US_ASCII), bytes(facs, 4));
        assertEquals(0, facs % 64);
    }

    @Test
    void madtListsEveryCpuTheIoApicAndTheOverrides() {
        ByteBuffer m = le(TABLES.get("APIC"));
        assertEquals(0xfee0_0000, m.getInt(36));
        assertEquals(1, m.getInt(40) & 1, "PCAT_COMPAT");
        List<Integer> apicIds = new ArrayList<>();
        Map<Integer, int[]> overrides = new HashMap<>();
        long ioApic = 0;
        for (int at = 44; at < m.limit(); at += m.get(at + 1) & 0xff) {
            switch (m.get(at)) {
                case 0 -> {
                    assertEquals(1, m.getInt(at + 4) & 1, "enabled");
                    apicIds.add(m.get(at + 3) & 0xff);
                }
                case 1 -> {
                    ioApic = m.getInt(at + 4) & 0xffff_ffffL;
                    assertEquals(0, m.getInt(at + 8), "GSI base");
                }
                case 2 -> overrides.put((int) m.get(at + 3), new int[] {m.getInt(at + 4), m.getShort(at + 8)});
                case 4 -> assertEquals(1, m.get(at + 5), "LINT1 is NMI");
                default -> throw new AssertionError("unexpected MADT entry " + m.get(at));
            }
        }
        assertEquals(List.of(0, 1, 2, 3), apicIds);
        assertEquals(0xfec0_0000L, ioApic);
        assertArrayEquals(new int[] {2, 0}, overrides.get(0));
        assertArrayEquals(new int[] {9, 0x0d}, overrides.get(9), "IRQ9 level, active high");
    }

    @Test
    void dsdtAmlIsWellFormedAndHasS5AndThePciRootBridge() {
        byte[] d = TABLES.get("DSDT");
        AmlWalker walker = new AmlWalker(d, 36);
        walker.walk();
        assertTrue(walker.names.contains("\\_SB_.PCI0._HID"), walker.names.toString());
        assertTrue(walker.names.contains("\\_SB_.PCI0._CRS"));
        assertTrue(walker.names.contains("\\_SB_.PCI0._PRT"));
        assertTrue(walker.names.contains("\\_SB_.PCI0.KBD_._HID"), walker.names.toString());
        assertTrue(walker.names.contains("\\_SB_.PCI0.KBD_._CRS"));
        assertTrue(walker.names.contains("\\_S5_"));
        assertEquals(List.of(5L, 5L, 0L, 0L), walker.packages.get("\\_S5_"));
        assertEquals(124, walker.packageCounts.get("\\_SB_.PCI0._PRT"));
    }

    @Test
    void pciInterruptsSpreadOverGsis16To23() {
        assertEquals(16 + 1, AcpiTables.pciIntxGsi(1, 0));
        assertEquals(23, AcpiTables.pciIntxGsi(7, 0));
        assertEquals(16, AcpiTables.pciIntxGsi(7, 1), "wraps after GSI 23");
        for (int slot = 0; slot < 32; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                int gsi = AcpiTables.pciIntxGsi(slot, pin);
                assertTrue(gsi >= 16 && gsi <= 23);
            }
        }
    }

    @Test
    void iaslDisassemblesEveryTable(@TempDir Path dir) throws IOException, InterruptedException {
        org.junit.jupiter.api.Assertions.assertTrue(Files.isExecutable(Path.of("/usr/bin/iasl")),
                "iasl (Debian package acpica-tools, installed by scripts/guest-material) is not installed");
        for (Map.Entry<String, byte[]> t : TABLES.entrySet()) {
            Path file = dir.resolve(t.getKey().toLowerCase() + ".dat");
            Files.write(file, t.getValue());
            Process p = new ProcessBuilder("iasl", "-d", file.toString()).directory(dir.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), t.getKey() + ": " + out);
            Path dsl = dir.resolve(t.getKey().toLowerCase() + ".dsl");
            String text = Files.readString(dsl);
            assertTrue(!text.contains("**** Unknown") && !text.contains("Invalid"), t.getKey() + ":\n" + text);
            if (t.getKey().equals("DSDT")) {
                assertTrue(text.contains("_S5, Package (0x04)"), text);
                assertTrue(text.contains("EisaId (\"PNP0A03\")"), text);
                assertTrue(text.contains("WordBusNumber") && text.contains("DWordMemory"), text);
                assertTrue(text.contains("0xFEBFFFFF"), text);
            }
            if (t.getKey().equals("FACP")) {
                assertTrue(text.contains("PM Timer Block Address : 00000608"), text);
            }
        }
    }
}
