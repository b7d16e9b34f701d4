package vmm.core.loader;

import java.util.List;
import java.util.Optional;

/**
 * Where a loaded kernel starts and what was put where.
 *
 * @param mode              the CPU state {@code entryPoint} expects
 * @param entryPoint        guest-physical address of the first instruction
 * @param bootParamsAddress the zero page (RSI, {@link EntryMode#LINUX_64BIT}) or the
 *                          hvm_start_info (EBX, {@link EntryMode#PVH_32BIT})
 * @param placements        everything written into guest RAM, sorted by address
 */
public record BootInfo(EntryMode mode, long entryPoint, long bootParamsAddress, List<Placement> placements) {

    public BootInfo {
        placements = List.copyOf(placements);
    }

    /** The first placement of that kind (the kernel may have several: see {@link #all}). */
    public Optional<Placement> placement(Placement.Kind kind) {
        return placements.stream().filter(p -> p.kind() == kind).findFirst();
    }

    public List<Placement> all(Placement.Kind kind) {
        return placements.stream().filter(p -> p.kind() == kind).toList();
    }
}
