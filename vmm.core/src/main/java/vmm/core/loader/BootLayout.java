package vmm.core.loader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

import vmm.core.memory.MemoryRegion;

/**
 * What a loader has claimed of guest RAM so far. Every placement must lie in usable RAM of the
 * e820 map (so the guest never gets data inside a hole or a reserved range) and must not
 * overlap an earlier one (so a hostile ELF segment cannot overwrite the boot structures, and
 * the initrd cannot land where the kernel decompresses itself).
 */
final class BootLayout {

    private final E820Map map;
    private final List<Placement> placements = new ArrayList<>();

    BootLayout(E820Map map) {
        this.map = map;
    }

    /** Claims a fixed range, or says which file asked for something impossible. */
    Placement claim(Path file, Placement.Kind kind, long address, long size, String what) throws KernelLoadException {
        if (address < 0 || size < 0 || address + size < address) {
            throw new KernelLoadException(file, what + " has an impossible range 0x" + Long.toHexString(address) + "+" + size);
        }
        if (!map.isUsable(address, Math.max(size, 1))) {
            throw new KernelLoadException(file, what + " " + range(address, size)
                    + " is not inside usable guest RAM (memory map: " + map + ")");
        }
        for (Placement p : placements) {
            if (p.overlaps(address, size)) {
                throw new KernelLoadException(file, what + " " + range(address, size) + " overlaps " + p);
            }
        }
        Placement placed = new Placement(kind, address, size);
        placements.add(placed);
        return placed;
    }

    /** The lowest {@code align}-aligned free address at or above {@code minAddress} with room for {@code size}. */
    OptionalLong lowestFit(long size, long align, long minAddress) {
        for (MemoryRegion free : freeRanges()) {
            long start = alignUp(Math.max(free.guestAddress(), minAddress), align);
            if (start >= free.guestAddress() && start + size <= free.end() && start + size >= start) {
                return OptionalLong.of(start);
            }
        }
        return OptionalLong.empty();
    }

    /** The highest {@code align}-aligned free address whose range of {@code size} ends at or below {@code limit}. */
    OptionalLong highestFit(long size, long align, long limit) {
        List<MemoryRegion> free = freeRanges();
        for (int i = free.size() - 1; i >= 0; i--) {
            MemoryRegion r = free.get(i);
            long top = Math.min(r.end(), limit);
            if (top - size < r.guestAddress()) {
                continue;
            }
            long start = (top - size) & -align;
            if (start >= r.guestAddress()) {
                return OptionalLong.of(start);
            }
        }
        return OptionalLong.empty();
    }

    /** Usable RAM minus everything claimed, sorted. */
    private List<MemoryRegion> freeRanges() {
        List<Placement> claimed = new ArrayList<>(placements);
        claimed.sort(Comparator.comparingLong(Placement::address));
        List<MemoryRegion> free = new ArrayList<>();
        for (MemoryRegion ram : map.usableRam()) {
            long cursor = ram.guestAddress();
            for (Placement p : claimed) {
                if (p.end() <= cursor || p.address() >= ram.end()) {
                    continue;
                }
                if (p.address() > cursor) {
                    free.add(new MemoryRegion(cursor, p.address() - cursor));
                }
                cursor = Math.max(cursor, p.end());
            }
            if (cursor < ram.end()) {
                free.add(new MemoryRegion(cursor, ram.end() - cursor));
            }
        }
        return free;
    }

    List<Placement> placements() {
        List<Placement> sorted = new ArrayList<>(placements);
        sorted.sort(Comparator.comparingLong(Placement::address));
        return sorted;
    }

    static long alignUp(long value, long align) {
        return (value + align - 1) & -align;
    }

    static String range(long address, long size) {
        return "[0x" + Long.toHexString(address) + "-0x" + Long.toHexString(address + size) + ")";
    }
}
