package vmm.core.internal.platform;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;

/**
 * PCI bus 0 behind configuration mechanism #1 (claim 0xCF8 with length 8): the guest writes
 * {@code enable | bus << 16 | device << 11 | function << 8 | register} to 0xCF8 (offset 0)
 * and reads or writes 0xCFC-0xCFF (offsets 4-7) with byte, word or dword accesses; offset
 * {@code n} into the data window reaches register {@code (address & 0xfc) + n}. With the
 * enable bit clear, or for a bus, device or function nobody attached, reads return all-ones
 * and writes are dropped, which is how guests see an empty slot.
 *
 * <p>Function 00:00.0 is the host bridge itself, with QEMU's i440FX identity (8086:1237,
 * revision 2). i440FX rather than Q35 (8086:29c0) because this machine is the i440FX kind:
 * legacy configuration ports only (Q35 implies PCIe ECAM/MMCONFIG and its ACPI MCFG table),
 * devices directly on bus 0 without PCIe root ports, and an IDE controller of the PIIX family
 * that Linux's ata_piix drives; guests and firmware expect the i440FX bridge with those.
 *
 * <p>Made with the machine's buses, the bridge also maps BARs: each attached function's
 * {@link PciDevice#bar(int) BAR registers} are claimed on the I/O or MMIO bus at the address
 * the guest programmed while the command register enables decoding, and moved or released
 * as the guest changes either (see {@link PciBarMapper}).
 *
 * <p>Also answers the reset control register at 0xCF9 (offset 1, byte access), which PIIX
 * chipsets have and Linux uses for {@code reboot=pci}: setting bit 2 resets the machine.
 */
public final class PciHostBridge implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(PciHostBridge.class);
    public static final int BASE_PORT = 0xcf8;
    public static final int PORTS = 8;
    public static final String TYPE = "pci-host-i440fx";
    private static final int STATE_VERSION = 1;

    public static final int VENDOR_INTEL = 0x8086;
    public static final int DEVICE_I440FX = 0x1237;

    static final int CONFIG_ENABLE = 0x8000_0000;
    private static final int RESET_CONTROL = 1;
    private static final int DATA_WINDOW = 4;
    private static final int RESET_CPU = 0x04;
    private static final int SLOTS = 32 * 8;

    private final AtomicReferenceArray<PciDevice> functions = new AtomicReferenceArray<>(SLOTS);
    private final Runnable onReset;
    /** Null when the bridge was made without buses: configuration only, no BAR mapping. */
    private final PciBarMapper barMapper;
    private int configAddress;
    private int resetControl;

    /**
     * A bridge that only carries configuration space: the functions' BARs are not mapped.
     *
     * @param onReset called when the guest resets through 0xCF9
     */
    public PciHostBridge(Runnable onReset) {
        this(onReset, null);
    }

    /**
     * A bridge that also claims the attached functions' BARs ({@link PciDevice#bar(int)}) on
     * {@code pio} and {@code mmio} where the guest programs them.
     *
     * @param onReset called when the guest resets through 0xCF9
     */
    public PciHostBridge(Runnable onReset, Bus pio, Bus mmio) {
        this(onReset, new PciBarMapper(pio, mmio));
    }

    private PciHostBridge(Runnable onReset, PciBarMapper barMapper) {
        this.onReset = onReset;
        this.barMapper = barMapper;
        PciConfigSpace bridge = new PciConfigSpace(VENDOR_INTEL, DEVICE_I440FX, 0x060000, 0x02);
        bridge.setSubsystem(0x1af4, 0x1100); // QEMU's subsystem IDs for its emulated chipset
        functions.set(0, new HostBridgeFunction(bridge));
    }

    /**
     * Plugs {@code device} in at {@code 00:device.function}.
     *
     * @throws IllegalArgumentException when the slot is out of range or taken, naming both
     */
    public void attach(int device, int function, PciDevice pci) {
        int slot = slot(device, function);
        if (!functions.compareAndSet(slot, null, pci)) {
            throw new IllegalArgumentException(String.format("PCI 00:%02x.%d is taken by %s, cannot attach %s",
                    device, function, functions.get(slot).name(), pci.name()));
        }
        LOG.debug("pci: {} at 00:{}.{}", pci.name(), String.format("%02x", device), function);
        mapBarsOf(pci);
    }

    /** A function plugged in with decoding already on (restored from a snapshot) is mapped at once. */
    private void mapBarsOf(PciDevice pci) {
        if (barMapper != null) {
            barMapper.update(pci);
        }
    }

    /** Plugs {@code pci} in as function 0 of the first free device number; returns that number. */
    public int attach(PciDevice pci) {
        for (int device = 1; device < 32; device++) {
            if (functions.compareAndSet(slot(device, 0), null, pci)) {
                LOG.debug("pci: {} at 00:{}.0", pci.name(), String.format("%02x", device));
                mapBarsOf(pci);
                return device;
            }
        }
        throw new IllegalArgumentException("PCI bus 0 is full, cannot attach " + pci.name());
    }

    /** Unplugs whatever is at {@code 00:device.function} (hot-unplug); returns it, or null. */
    public PciDevice detach(int device, int function) {
        if (device == 0 && function == 0) {
            throw new IllegalArgumentException("the host bridge cannot be detached");
        }
        PciDevice removed = functions.getAndSet(slot(device, function), null);
        if (removed != null && barMapper != null) {
            barMapper.unmap(removed);
        }
        return removed;
    }

    /**
     * Brings every function's BAR claims in line with its configuration space; the machine
     * calls it after restoring the functions' state.
     */
    public void remapBars() {
        if (barMapper == null) {
            return;
        }
        for (int slot = 0; slot < SLOTS; slot++) {
            PciDevice pci = functions.get(slot);
            if (pci != null) {
                barMapper.update(pci);
            }
        }
    }

    /** What is at {@code 00:device.function}, or null. */
    public PciDevice function(int device, int function) {
        return functions.get(slot(device, function));
    }

    private static int slot(int device, int function) {
        if (device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("no PCI slot " + device + "." + function);
        }
        return device * 8 + function;
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        int size = data.length;
        int value;
        if (offset == 0 && size == 4) {
            value = configAddress;
        } else if (offset == RESET_CONTROL && size == 1) {
            value = resetControl;
        } else if (offset >= DATA_WINDOW && (size == 1 || size == 2 || size == 4)) {
            PciDevice target = selected();
            int register = (configAddress & 0xfc) + (int) (offset - DATA_WINDOW);
            value = target == null ? -1 : target.readConfig(register, size);
        } else {
            value = -1;
        }
        for (int i = 0; i < size; i++) {
            data[i] = i < 4 ? (byte) (value >>> (8 * i)) : (byte) 0xff;
        }
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int size = data.length;
        int value = 0;
        for (int i = 0; i < Math.min(4, size); i++) {
            value |= (data[i] & 0xff) << (8 * i);
        }
        if (offset == 0 && size == 4) {
            // Bits 1:0 are reserved and read as 0; bits 30:24 likewise.
            configAddress = value & 0x80ff_fffc;
        } else if (offset == RESET_CONTROL && size == 1) {
            writeResetControl(value & 0xff);
        } else if (offset >= DATA_WINDOW && (size == 1 || size == 2 || size == 4)) {
            PciDevice target = selected();
            if (target != null) {
                int register = (configAddress & 0xfc) + (int) (offset - DATA_WINDOW);
                target.writeConfig(register, size, value);
                if (barMapper != null && PciBarMapper.affectsBars(register, size)) {
                    barMapper.update(target);
                }
            }
        } else {
            // Linux's type-1 probe writes a byte to 0xCFB first: not the address register.
            LOG.debug("pci: {}-byte write 0x{} at 0x{} ignored", size, Integer.toHexString(value),
                    Long.toHexString(BASE_PORT + offset));
        }
    }

    private void writeResetControl(int value) {
        resetControl = value & ~RESET_CPU;
        if ((value & RESET_CPU) != 0) {
            LOG.info("pci: guest requested a reset through 0xcf9 (0x{})", Integer.toHexString(value));
            onReset.run();
        }
    }

    /** The function the address register selects, or null (disabled, other bus, empty slot). */
    private PciDevice selected() {
        int address = configAddress;
        if ((address & CONFIG_ENABLE) == 0 || ((address >>> 16) & 0xff) != 0) {
            return null;
        }
        return functions.get((address >>> 8) & 0xff);
    }

    @Override
    public synchronized void reset() {
        configAddress = 0;
        resetControl = 0;
        for (int slot = 0; slot < SLOTS; slot++) {
            PciDevice pci = functions.get(slot);
            if (pci != null) {
                pci.resetConfig();
            }
        }
        remapBars(); // decoding is off after a reset: releases every BAR
    }

    /**
     * The bridge's own registers and the host bridge function's configuration space; the
     * attached functions save their configuration with their own device state.
     */
    @Override
    public synchronized DeviceState saveState() {
        byte[] config = functions.get(0).configSpace().snapshot();
        byte[] data = new byte[5 + config.length];
        for (int i = 0; i < 4; i++) {
            data[i] = (byte) (configAddress >>> (8 * i));
        }
        data[4] = (byte) resetControl;
        System.arraycopy(config, 0, data, 5, config.length);
        return new DeviceState(TYPE, STATE_VERSION, data);
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length != 5 + PciConfigSpace.SIZE) {
            throw new IllegalArgumentException(TYPE + " state is " + (5 + PciConfigSpace.SIZE) + " bytes, not " + data.length);
        }
        int address = 0;
        for (int i = 0; i < 4; i++) {
            address |= (data[i] & 0xff) << (8 * i);
        }
        configAddress = address;
        resetControl = data[4] & 0xff;
        functions.get(0).configSpace().restore(Arrays.copyOfRange(data, 5, data.length));
    }

    @Override
    public String name() {
        return "pci-host";
    }

    /** 00:00.0, the i440FX host bridge: identification only. */
    private record HostBridgeFunction(PciConfigSpace configSpace) implements PciDevice {
        @Override
        public String name() {
            return "i440fx-host-bridge";
        }
    }
}
