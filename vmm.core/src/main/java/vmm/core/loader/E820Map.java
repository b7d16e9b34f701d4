package vmm.core.loader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * The memory map a guest kernel is given: the RAM regions of a {@link GuestMemory} as usable
 * RAM, minus the ranges the platform reserves (which are listed as reserved). Linux trusts this
 * map completely, so RAM is only what really is backed and not claimed by something else.
 * Both loaders place their data only in the usable RAM of this map.
 */
public final class E820Map {

    /**
     * The legacy hole of a PC: VGA memory, option ROMs and the BIOS (0xA0000-0xFFFFF). Linux
     * does not put anything there even if it is RAM.
     */
    public static final MemoryRegion LEGACY_HOLE = new MemoryRegion(0xA_0000L, 0x6_0000L);

    /** Entries the zero page (and Linux's copy of the PVH memory map) has room for. */
    public static final int MAX_BOOT_ENTRIES = 128;

    private final List<E820Entry> entries;

    private E820Map(List<E820Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The map of {@code memory}: every RAM region is usable RAM except where it meets one of
     * {@code reserved}; every reserved range is listed as {@link E820Entry.Type#RESERVED},
     * whether or not RAM backs it (a PCI hole tells the guest the range is taken).
     */
    public static E820Map of(GuestMemory memory, List<MemoryRegion> reserved) {
        return of(memory.regions(), reserved);
    }

    /** The map of RAM regions {@code ramRegions} (for planning before memory exists). */
    public static E820Map of(List<MemoryRegion> ramRegions, List<MemoryRegion> reserved) {
        List<MemoryRegion> holes = merge(reserved);
        List<E820Entry> out = new ArrayList<>();
        for (MemoryRegion ram : merge(ramRegions)) {
            long cursor = ram.guestAddress();
            for (MemoryRegion hole : holes) {
                if (hole.end() <= cursor || hole.guestAddress() >= ram.end()) {
                    continue;
                }
                if (hole.guestAddress() > cursor) {
                    out.add(new E820Entry(cursor, hole.guestAddress() - cursor, E820Entry.Type.RAM));
                }
                cursor = Math.max(cursor, hole.end());
            }
            if (cursor < ram.end()) {
                out.add(new E820Entry(cursor, ram.end() - cursor, E820Entry.Type.RAM));
            }
        }
        for (MemoryRegion hole : holes) {
            out.add(new E820Entry(hole.guestAddress(), hole.size(), E820Entry.Type.RESERVED));
        }
        out.sort(Comparator.comparingLong(E820Entry::address));
        return new E820Map(out);
    }

    /** Sorted, with overlapping or touching ranges joined (regions of RAM may be adjacent). */
    private static List<MemoryRegion> merge(List<MemoryRegion> ranges) {
        List<MemoryRegion> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(MemoryRegion::guestAddress));
        List<MemoryRegion> merged = new ArrayList<>();
        for (MemoryRegion r : sorted) {
            MemoryRegion last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && r.guestAddress() <= last.end()) {
                merged.set(merged.size() - 1,
                        new MemoryRegion(last.guestAddress(), Math.max(last.end(), r.end()) - last.guestAddress()));
            } else {
                merged.add(r);
            }
        }
        return merged;
    }

    /** All entries, sorted by address, not overlapping. */
    public List<E820Entry> entries() {
        return entries;
    }

    /** The usable RAM ranges, sorted. */
    public List<MemoryRegion> usableRam() {
        return entries.stream()
                .filter(e -> e.type() == E820Entry.Type.RAM)
                .map(e -> new MemoryRegion(e.address(), e.size()))
                .toList();
    }

    /** Whether {@code [address, address + size)} lies inside one usable RAM entry. */
    public boolean isUsable(long address, long size) {
        return usableRam().stream().anyMatch(r -> r.contains(address, size));
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}
