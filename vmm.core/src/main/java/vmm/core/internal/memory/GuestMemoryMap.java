package vmm.core.internal.memory;

import java.util.ArrayList;
import java.util.List;

import vmm.core.memory.MemoryRegion;

/**
 * Where a PC guest's RAM goes in guest-physical space. RAM starts at 0 and runs up to the
 * 32-bit PCI hole (by default 0xC000_0000 to 4 GiB, where 32-bit BARs, the IOAPIC, the LAPIC
 * and the BIOS flash live); whatever does not fit below the hole continues at 4 GiB. So a
 * 2 GiB guest has one region, an 8 GiB guest has 3 GiB below the hole and 5 GiB from 4 GiB.
 *
 * @param ram       the RAM regions, in address order
 * @param holeStart first address of the PCI hole
 * @param holeEnd   first address after it (4 GiB)
 */
public record GuestMemoryMap(List<MemoryRegion> ram, long holeStart, long holeEnd) {
    public static final long DEFAULT_HOLE_START = 0xC000_0000L;
    public static final long FOUR_GIB = 1L << 32;
    /** x86-64's architectural limit on guest-physical addresses (MAXPHYADDR 52). */
    public static final long MAX_GUEST_ADDRESS = 1L << 52;
    public static final long PAGE = 4096;

    /** The start of the Extended BIOS Data Area: the end of usable low RAM on a PC. */
    public static final long EBDA_START = 0x9fc00;
    /** Above the BIOS: where the rest of low RAM starts. */
    public static final long HIGH_MEMORY_START = 0x10_0000;

    public GuestMemoryMap {
        ram = List.copyOf(ram);
    }

    /** {@code ramSize} bytes around the default hole 0xC000_0000-4 GiB. */
    public static GuestMemoryMap plan(long ramSize) {
        return plan(ramSize, DEFAULT_HOLE_START, FOUR_GIB);
    }

    /**
     * {@code ramSize} bytes (a multiple of 4 KiB) below {@code holeStart} and from
     * {@code holeEnd} up.
     *
     * @throws IllegalArgumentException naming the value when the sizes do not make a map
     */
    public static GuestMemoryMap plan(long ramSize, long holeStart, long holeEnd) {
        if (ramSize <= 0 || ramSize % PAGE != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + ramSize);
        }
        if (holeStart < HIGH_MEMORY_START || holeStart % PAGE != 0 || holeEnd <= holeStart || holeEnd % PAGE != 0) {
            throw new IllegalArgumentException(String.format("bad PCI hole 0x%x-0x%x", holeStart, holeEnd));
        }
        List<MemoryRegion> regions = new ArrayList<>(2);
        long below = Math.min(ramSize, holeStart);
        regions.add(new MemoryRegion(0, below));
        long above = ramSize - below;
        if (above > 0) {
            if (above > MAX_GUEST_ADDRESS - holeEnd) {
                throw new IllegalArgumentException("RAM of " + ByteSizes.format(ramSize)
                        + " does not fit below the 52-bit guest-physical limit");
            }
            regions.add(new MemoryRegion(holeEnd, above));
        }
        return new GuestMemoryMap(regions, holeStart, holeEnd);
    }

    public long size() {
        return ram.stream().mapToLong(MemoryRegion::size).sum();
    }

    /** RAM bytes below 4 GiB (what CMOS registers 0x34/0x35 and SeaBIOS call "below 4G"). */
    public long belowFourGiB() {
        return ram.stream().filter(r -> r.guestAddress() < FOUR_GIB)
                .mapToLong(r -> Math.min(r.end(), FOUR_GIB) - r.guestAddress()).sum();
    }

    /** RAM bytes from 4 GiB up (CMOS registers 0x5b-0x5d). */
    public long aboveFourGiB() {
        return size() - belowFourGiB();
    }

    /**
     * What PC firmware keeps for itself below 1 MiB: the EBDA, the VGA window, option ROMs and
     * the BIOS. With {@link #ram()} this is what {@code vmm.core.loader.E820Map} turns into the
     * guest's e820 map; the PCI hole is left out of the map altogether, because Linux places
     * PCI resources in its gaps.
     */
    public List<MemoryRegion> firmwareReserved() {
        return List.of(new MemoryRegion(EBDA_START, HIGH_MEMORY_START - EBDA_START));
    }
}
