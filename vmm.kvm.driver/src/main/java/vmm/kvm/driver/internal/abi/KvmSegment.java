package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_segment: a segment register with its hidden descriptor part, as a value.
 * Flags that are single bits in the descriptor are booleans here; type and dpl are the
 * descriptor's numbers.
 */
public record KvmSegment(long base, int limit, int selector, int type, boolean present, int dpl,
        boolean db, boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

    public static final StructLayout LAYOUT = struct("kvm_segment",
            u64("base"), u32("limit"), u16("selector"), u8("type"),
            u8("present"), u8("dpl"), u8("db"), u8("s"), u8("l"), u8("g"), u8("avl"),
            u8("unusable"), u8("padding"));

    private static final VarHandle BASE = StructFields.handle(LAYOUT, "base");
    private static final VarHandle LIMIT = StructFields.handle(LAYOUT, "limit");
    private static final VarHandle SELECTOR = StructFields.handle(LAYOUT, "selector");
    private static final VarHandle TYPE = StructFields.handle(LAYOUT, "type");
    private static final VarHandle PRESENT = StructFields.handle(LAYOUT, "present");
    private static final VarHandle DPL = StructFields.handle(LAYOUT, "dpl");
    private static final VarHandle DB = StructFields.handle(LAYOUT, "db");
    private static final VarHandle S = StructFields.handle(LAYOUT, "s");
    private static final VarHandle L = StructFields.handle(LAYOUT, "l");
    private static final VarHandle G = StructFields.handle(LAYOUT, "g");
    private static final VarHandle AVL = StructFields.handle(LAYOUT, "avl");
    private static final VarHandle UNUSABLE = StructFields.handle(LAYOUT, "unusable");

    public static KvmSegment read(MemorySegment memory, long offset) {
        return new KvmSegment(
                (long) BASE.get(memory, offset),
                (int) LIMIT.get(memory, offset),
                Short.toUnsignedInt((short) SELECTOR.get(memory, offset)),
                Byte.toUnsignedInt((byte) TYPE.get(memory, offset)),
                flag(PRESENT, memory, offset),
                Byte.toUnsignedInt((byte) DPL.get(memory, offset)),
                flag(DB, memory, offset),
                flag(S, memory, offset),
                flag(L, memory, offset),
                flag(G, memory, offset),
                flag(AVL, memory, offset),
                flag(UNUSABLE, memory, offset));
    }

    public void write(MemorySegment memory, long offset) {
        BASE.set(memory, offset, base);
        LIMIT.set(memory, offset, limit);
        SELECTOR.set(memory, offset, (short) selector);
        TYPE.set(memory, offset, (byte) type);
        PRESENT.set(memory, offset, bit(present));
        DPL.set(memory, offset, (byte) dpl);
        DB.set(memory, offset, bit(db));
        S.set(memory, offset, bit(s));
        L.set(memory, offset, bit(l));
        G.set(memory, offset, bit(g));
        AVL.set(memory, offset, bit(avl));
        UNUSABLE.set(memory, offset, bit(unusable));
    }

    private static boolean flag(VarHandle h, MemorySegment memory, long offset) {
        return (byte) h.get(memory, offset) != 0;
    }

    private static byte bit(boolean b) {
        return (byte) (b ? 1 : 0);
    }
}
