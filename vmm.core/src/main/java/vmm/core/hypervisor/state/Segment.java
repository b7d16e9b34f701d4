package vmm.core.hypervisor.state;

/**
 * A segment register as the CPU caches it.
 *
 * @param attributes the descriptor's access bits in VMX layout: type (3:0), S (4), DPL (6:5),
 *                   P (7), AVL (12), L (13), D/B (14), G (15), unusable (16)
 */
public record Segment(int selector, long base, int limit, int attributes) {
    public static final int PRESENT = 1 << 7, LONG = 1 << 13, DB = 1 << 14, GRANULARITY = 1 << 15,
            UNUSABLE = 1 << 16;

    /** A real-mode segment for {@code selector} (base = selector * 16, 64 KiB limit). */
    public static Segment real(int selector, int type) {
        return new Segment(selector, (long) (selector & 0xffff) << 4, 0xffff, type | 0x10 | PRESENT);
    }
}
