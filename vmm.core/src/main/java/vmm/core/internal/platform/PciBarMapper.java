package vmm.core.internal.platform;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;

/**
 * Keeps the bus claims of PCI functions' BARs in step with their configuration: a BAR is
 * claimed at its programmed address while the command register enables its kind of decoding
 * (I/O or memory) and released otherwise. Guests turn decoding off while they size and move
 * BARs (Linux's pci_read_bases does), so a claim never sits at a sizing pattern.
 */
final class PciBarMapper {
    private static final Logger LOG = LoggerFactory.getLogger(PciBarMapper.class);
    private static final int BARS = 6;

    private final Bus pio;
    private final Bus mmio;
    /** Per function, what each BAR is claimed with. */
    private final Map<PciDevice, Claim[]> mapped = new ConcurrentHashMap<>();

    /** One BAR's claim: where, on which bus, by which registers. */
    private record Claim(Bus bus, BusDevice registers, long base) {
    }

    PciBarMapper(Bus pio, Bus mmio) {
        this.pio = pio;
        this.mmio = mmio;
    }

    /** Whether a configuration write at {@code register} can move or toggle a BAR. */
    static boolean affectsBars(int register, int size) {
        int end = register + size;
        return (register < PciConfigSpace.COMMAND + 2 && end > PciConfigSpace.COMMAND)
                || (register < PciConfigSpace.BAR0 + 4 * BARS && end > PciConfigSpace.BAR0);
    }

    /** Claims, moves or releases {@code function}'s BARs to match its configuration now. */
    synchronized void update(PciDevice function) {
        PciConfigSpace cs = function.configSpace();
        Claim[] claims = mapped.computeIfAbsent(function, f -> new Claim[BARS]);
        int command = cs.command();
        for (int i = 0; i < BARS; i++) {
            long size = cs.barSize(i);
            BusDevice registers = size == 0 ? null : function.bar(i);
            Claim wanted = null;
            if (registers != null) {
                boolean io = (cs.read(PciConfigSpace.BAR0 + 4 * i, 4) & 0x1) != 0;
                boolean decoding = (command & (io ? PciConfigSpace.COMMAND_IO : PciConfigSpace.COMMAND_MEMORY)) != 0;
                long address = cs.barAddress(i);
                if (decoding && address != 0) {
                    wanted = new Claim(io ? pio : mmio, registers, address);
                }
            }
            if (Objects.equals(wanted, claims[i])) {
                continue;
            }
            release(claims[i]);
            claims[i] = wanted == null ? null : claim(function.name() + " BAR" + i, wanted, size);
        }
    }

    private static Claim claim(String name, Claim claim, long size) {
        try {
            claim.bus().insert(name, claim.registers(), claim.base(), size);
            return claim;
        } catch (IllegalArgumentException e) {
            // An overlapping or impossible BAR (BusConflictException is one): like hardware with
            // a decode conflict the BAR does not respond. The guest's error, not the VMM's.
            LOG.warn("pci: {} at 0x{} not mapped: {}", name, Long.toHexString(claim.base()), e.getMessage());
            return null;
        }
    }

    private static void release(Claim claim) {
        if (claim != null) {
            claim.bus().remove(claim.registers(), claim.base());
        }
    }

    /** Releases every BAR of {@code function} (unplug). */
    synchronized void unmap(PciDevice function) {
        Claim[] claims = mapped.remove(function);
        if (claims != null) {
            for (Claim c : claims) {
                release(c);
            }
        }
    }
}
