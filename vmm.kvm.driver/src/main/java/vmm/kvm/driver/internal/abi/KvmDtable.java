package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_dtable: a descriptor table register (GDTR, IDTR) as a value. */
public record KvmDtable(long base, int limit) {

    public static final StructLayout LAYOUT = struct("kvm_dtable",
            u64("base"), u16("limit"), array("padding", 3, U16));

    private static final VarHandle BASE = StructFields.handle(LAYOUT, "base");
    private static final VarHandle LIMIT = StructFields.handle(LAYOUT, "limit");

    public static KvmDtable read(MemorySegment memory, long offset) {
        return new KvmDtable((long) BASE.get(memory, offset), Short.toUnsignedInt((short) LIMIT.get(memory, offset)));
    }

    public void write(MemorySegment memory, long offset) {
        BASE.set(memory, offset, base);
        LIMIT.set(memory, offset, (short) limit);
    }
}
