package vmm.core.internal.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * The ACPI tables of the PC machine, written into guest RAM in the BIOS area at
 * {@link #BASE} (0xE0000, inside the firmware-reserved range below 1 MiB that the e820 map
 * lists as reserved), where Linux and kvm-unit-tests search for the RSDP:
 * <ul>
 * <li>RSDP (revision 2) pointing to the RSDT and XSDT;</li>
 * <li>FADT (revision 6): PM1a event/control and PM timer blocks of {@link AcpiPm}, SCI on
 * IRQ 9, no SMI command port (always in ACPI mode), the fixed power button, reset register
 * 0xCF9 value 6, century register 0x32, legacy devices and an 8042, no VGA;</li>
 * <li>FACS;</li>
 * <li>MADT: one local APIC per vCPU (IDs 0..n-1), the IOAPIC at 0xFEC00000 with GSI base 0,
 * overrides IRQ0 to GSI 2 and IRQ9 level/active-high, LINT1 as NMI on every CPU, and
 * PCAT_COMPAT (8259s present);</li>
 * <li>HPET, when the machine has one;</li>
 * <li>DSDT: {@code \_SB.PCI0} (PNP0A03, bus 0-255, the I/O and 32-bit memory windows of the
 * i440FX host bridge, {@code _PRT} routing INTA-INTD of slot s to GSI
 * {@link #pciIntxGsi}) with the keyboard controller {@code KBD} (PNP0303, ports 0x60/0x64,
 * IRQ 1) under it, and {@code \_S5} = {5, 5, 0, 0}.</li>
 * </ul>
 */
public final class AcpiTables {
    public static final long BASE = 0xe_0000L;
    public static final long LIMIT = 0x10_0000L;
    public static final int SCI_IRQ = AcpiPm.SCI_IRQ;
    static final byte[] OEM_ID = "VMMJAV".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OEM_TABLE_ID = "VMMPC   ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CREATOR_ID = "VMMJ".getBytes(StandardCharsets.US_ASCII);
    static final long LOCAL_APIC = 0xfee0_0000L;
    static final long IO_APIC = 0xfec0_0000L;
    static final int RESET_PORT = 0xcf9;
    static final int RESET_VALUE = 0x06;

    /**
     * What goes into the tables.
     *
     * @param cpus         vCPUs (local APIC IDs 0..cpus-1)
     * @param pciMemStart  first address of the 32-bit PCI memory window
     * @param pciMemEnd    last address of it (inclusive)
     * @param hpetBase     the HPET's address, or 0 for none
     */
    public record Config(int cpus, long pciMemStart, long pciMemEnd, long hpetBase) {
        public Config {
            if (cpus < 1 || cpus > 255) {
                throw new IllegalArgumentException("the MADT describes 1-255 xAPIC CPUs: " + cpus);
            }
            if (pciMemStart >= pciMemEnd || pciMemEnd > 0xffff_ffffL) {
                throw new IllegalArgumentException(String.format("bad PCI window 0x%x-0x%x", pciMemStart, pciMemEnd));
            }
        }
    }

    /** Where the tables went: the RSDP's address and the range they occupy. */
    public record Layout(long rsdp, MemoryRegion region, List<Long> tables) {
    }

    private AcpiTables() {
    }

    /** The GSI of PCI slot {@code slot}'s interrupt pin {@code pin} (0 = INTA#). */
    public static int pciIntxGsi(int slot, int pin) {
        return 16 + ((slot + pin) & 7);
    }

    /** Builds every table and writes them to {@code memory} from {@link #BASE}. */
    public static Layout write(GuestMemory memory, Config config) {
        Allocator at = new Allocator();
        long rsdp = at.take(36, 16);
        long facsAt = at.take(64, 64);
        byte[] dsdt = dsdt(config);
        long dsdtAt = at.take(dsdt.length, 16);
        byte[] madt = madt(config);
        long madtAt = at.take(madt.length, 16);
        byte[] hpet = config.hpetBase() != 0 ? hpet(config.hpetBase()) : null;
        long hpetAt = hpet != null ? at.take(hpet.length, 16) : 0;
        byte[] fadt = fadt(facsAt, dsdtAt);
        long fadtAt = at.take(fadt.length, 16);
        List<Long> entries = new ArrayList<>(List.of(fadtAt, madtAt));
        if (hpet != null) {
            entries.add(hpetAt);
        }
        byte[] rsdt = rootTable("RSDT", entries, 4);
        long rsdtAt = at.take(rsdt.length, 16);
        byte[] xsdt = rootTable("XSDT", entries, 8);
        long xsdtAt = at.take(xsdt.length, 16);

        put(memory, facsAt, facs());
        put(memory, dsdtAt, dsdt);
        put(memory, madtAt, madt);
        if (hpet != null) {
            put(memory, hpetAt, hpet);
        }
        put(memory, fadtAt, fadt);
        put(memory, rsdtAt, rsdt);
        put(memory, xsdtAt, xsdt);
        put(memory, rsdp, rsdp(rsdtAt, xsdtAt));
        List<Long> all = new ArrayList<>(List.of(rsdtAt, xsdtAt, fadtAt, facsAt, dsdtAt, madtAt));
        if (hpet != null) {
            all.add(hpetAt);
        }
        return new Layout(rsdp, new MemoryRegion(BASE, at.next - BASE), all);
    }

    private static final class Allocator {
        long next = BASE;

        long take(int size, int alignment) {
            long at = (next + alignment - 1) & -alignment;
            if (at + size > LIMIT) {
                throw new IllegalStateException("ACPI tables do not fit below 1 MiB");
            }
            next = at + size;
            return at;
        }
    }

    private static void put(GuestMemory memory, long gpa, byte[] bytes) {
        memory.write(gpa, ByteBuffer.wrap(bytes));
    }

    static byte checksum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    /** A table: the 36-byte header with {@code body} after it, checksummed. */
    static byte[] table(String signature, int revision, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(36 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(signature.getBytes(StandardCharsets.US_ASCII)).putInt(36 + body.length).put((byte) revision)
                .put((byte) 0).put(OEM_ID).put(OEM_TABLE_ID).putInt(1).put(CREATOR_ID).putInt(1).put(body);
        byte[] t = b.array();
        t[9] = checksum(t, 0, t.length);
        return t;
    }

    static byte[] rsdp(long rsdt, long xsdt) {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put(OEM_ID).put((byte) 2)
                .putInt((int) rsdt).putInt(36).putLong(xsdt).put((byte) 0).put(new byte[3]);
        byte[] r = b.array();
        r[8] = checksum(r, 0, 20);
        r[32] = checksum(r, 0, 36);
        return r;
    }

    private static byte[] rootTable(String signature, List<Long> entries, int width) {
        ByteBuffer b = ByteBuffer.allocate(entries.size() * width).order(ByteOrder.LITTLE_ENDIAN);
        for (long e : entries) {
            if (width == 4) {
                b.putInt((int) e);
            } else {
                b.putLong(e);
            }
        }
        return table(signature, 1, b.array());
    }

    private static byte[] facs() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("FACS".getBytes(StandardCharsets.US_ASCII)).putInt(64).putInt(0) // hardware signature
                .putInt(0).putInt(0).putInt(0) // waking vector, global lock, flags
                .putLong(0).put((byte) 2); // X waking vector, version 2
        return b.array();
    }

    /** Generic Address Structure in system I/O space. */
    private static void gasIo(ByteBuffer b, int bitWidth, int accessSize, long port) {
        b.put((byte) 1).put((byte) bitWidth).put((byte) 0).put((byte) accessSize).putLong(port);
    }

    static byte[] fadt(long facs, long dsdt) {
        ByteBuffer b = ByteBuffer.allocate(276 - 36).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) facs).putInt((int) dsdt);
        b.put((byte) 0).put((byte) 0); // reserved, preferred PM profile: unspecified
        b.putShort((short) SCI_IRQ);
        b.putInt(0); // SMI_CMD: none, so always in ACPI mode
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // ACPI_ENABLE/DISABLE, S4BIOS_REQ, PSTATE_CNT
        b.putInt(AcpiPm.PM1_EVT).putInt(0).putInt(AcpiPm.PM1_CNT).putInt(0).putInt(0).putInt(AcpiPm.PM_TMR);
        b.putInt(0).putInt(0); // GPE0, GPE1 blocks: none
        b.put((byte) 4).put((byte) 2).put((byte) 0).put((byte) 4); // PM1_EVT_LEN, PM1_CNT_LEN, PM2_CNT_LEN, PM_TMR_LEN
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // GPE0/1 lengths, GPE1 base, CST_CNT
        b.putShort((short) 0xfff).putShort((short) 0xfff); // C2/C3 latencies: not supported
        b.putShort((short) 0).putShort((short) 0); // flush size/stride
        b.put((byte) 0).put((byte) 0); // duty offset/width
        b.put((byte) 0).put((byte) 0).put((byte) 0x32); // day alarm, month alarm, century (CMOS 0x32)
        b.putShort((short) 0x0007); // IAPC_BOOT_ARCH: legacy devices, 8042, no VGA
        b.put((byte) 0);
        // WBINVD, PROC_C1, SLP_BUTTON (none), FIX_RTC, RESET_REG_SUP; PWR_BUTTON clear: fixed power button.
        b.putInt(0x0001 | 0x0004 | 0x0020 | 0x0040 | 0x0400);
        gasIo(b, 8, 1, RESET_PORT);
        b.put((byte) RESET_VALUE);
        b.putShort((short) 0); // ARM boot flags
        b.put((byte) 0); // FADT minor version
        b.putLong(facs).putLong(dsdt);
        gasIo(b, 32, 2, AcpiPm.PM1_EVT); // X_PM1a_EVT_BLK
        b.put(new byte[12]); // X_PM1b_EVT_BLK
        gasIo(b, 16, 2, AcpiPm.PM1_CNT); // X_PM1a_CNT_BLK
        b.put(new byte[12]); // X_PM1b_CNT_BLK
        b.put(new byte[12]); // X_PM2_CNT_BLK
        gasIo(b, 32, 3, AcpiPm.PM_TMR); // X_PM_TMR_BLK
        b.put(new byte[12 * 4]); // X_GPE0, X_GPE1, sleep control, sleep status
        b.put(new byte[8]); // hypervisor vendor identity
        return table("FACP", 6, b.array());
    }

    static byte[] madt(Config config) {
        int cpus = config.cpus();
        ByteBuffer b = ByteBuffer.allocate(8 + 8 * cpus + 12 + 10 * 2 + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) LOCAL_APIC).putInt(1); // PCAT_COMPAT
        for (int i = 0; i < cpus; i++) {
            b.put((byte) 0).put((byte) 8).put((byte) i).put((byte) i).putInt(1); // enabled
        }
        b.put((byte) 1).put((byte) 12).put((byte) 0).put((byte) 0).putInt((int) IO_APIC).putInt(0);
        b.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0); // IRQ0 -> GSI 2
        b.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) SCI_IRQ).putInt(SCI_IRQ).putShort((short) 0x000d);
        b.put((byte) 4).put((byte) 6).put((byte) 0xff).putShort((short) 0).put((byte) 1); // LINT1 NMI, all CPUs
        return table("APIC", 4, b.array());
    }

    static byte[] hpet(long base) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        // Event timer block ID: Intel's vendor ID, legacy-replacement capable, 64-bit, 3 comparators.
        b.putInt(0x8086_a201);
        b.put((byte) 0).put((byte) 64).put((byte) 0).put((byte) 0).putLong(base);
        b.put((byte) 0).putShort((short) 0x80).put((byte) 0); // HPET number, minimum tick, page protection
        return table("HPET", 1, b.array());
    }

    static byte[] dsdt(Config config) {
        byte[] crs = new Resources()
                .busNumbers(0, 0xff)
                .io(0xcf8, 0xcf8, 1, 8)
                .ioWindow(0x0000, 0x0cf7)
                .ioWindow(0x0d00, 0xffff)
                .memoryWindow(0xa_0000L, 0xb_ffffL, true)
                .memoryWindow(config.pciMemStart(), config.pciMemEnd(), false)
                .build();
        List<byte[]> routes = new ArrayList<>();
        for (int slot = 1; slot < 32; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                routes.add(Aml.pkg(Aml.integer(((long) slot << 16) | 0xffff), Aml.integer(pin), Aml.integer(0),
                        Aml.integer(pciIntxGsi(slot, pin))));
            }
        }
        // The i8042 as firmware describes it, with no PS/2 mouse (PNP0F13) beside it: Linux then
        // knows the AUX port is absent instead of probing it (two command timeouts, 0.25 s).
        byte[] kbd = Aml.device("KBD",
                Aml.name("_HID", Aml.eisaId("PNP0303")),
                Aml.name("_CRS", Aml.buffer(new Resources().io(0x60, 0x60, 1, 1).io(0x64, 0x64, 1, 1).irq(1).build())));
        byte[] pci0 = Aml.device("PCI0",
                Aml.name("_HID", Aml.eisaId("PNP0A03")),
                Aml.name("_ADR", Aml.integer(0)),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_BBN", Aml.integer(0)),
                Aml.name("_CRS", Aml.buffer(crs)),
                Aml.name("_PRT", Aml.pkg(routes.toArray(byte[][]::new))),
                kbd);
        byte[] aml = Aml.concat(
                Aml.scope("\\_SB", pci0),
                Aml.name("\\_S5", Aml.pkg(Aml.integer(AcpiPm.SLP_TYP_S5), Aml.integer(AcpiPm.SLP_TYP_S5),
                        Aml.integer(0), Aml.integer(0))));
        return table("DSDT", 2, aml);
    }
}
