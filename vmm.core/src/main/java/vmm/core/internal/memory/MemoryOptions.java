package vmm.core.internal.memory;

import java.util.OptionalInt;

/**
 * How guest RAM is backed on the host.
 *
 * @param hugePages MADV_HUGEPAGE: ask for transparent huge pages (fewer TLB misses for the
 *                  guest, and a 2 MiB-aligned mapping so they can be used)
 * @param mergeable MADV_MERGEABLE: let KSM share identical pages between guests
 * @param numaNode  the host NUMA node to take the memory from (mbind MPOL_BIND), if any
 */
public record MemoryOptions(boolean hugePages, boolean mergeable, OptionalInt numaNode) {

    /** Plain lazily allocated memory, no advice, no binding. */
    public static final MemoryOptions DEFAULT = new MemoryOptions(false, false, OptionalInt.empty());

    public MemoryOptions withHugePages(boolean on) {
        return new MemoryOptions(on, mergeable, numaNode);
    }

    public MemoryOptions withMergeable(boolean on) {
        return new MemoryOptions(hugePages, on, numaNode);
    }

    public MemoryOptions withNumaNode(int node) {
        return new MemoryOptions(hugePages, mergeable, OptionalInt.of(node));
    }
}
