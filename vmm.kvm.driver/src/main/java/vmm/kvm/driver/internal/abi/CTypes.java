package vmm.kvm.driver.internal.abi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;

/**
 * The __u8 .. __u64 vocabulary of the uapi headers, so that each structure below can be
 * written member by member as it is in the header. x86-64 only: that is the only KVM ABI
 * this driver speaks.
 */
final class CTypes {
    private CTypes() {
    }

    /** Element types of arrays, which have no member name. */
    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;

    static ValueLayout.OfByte u8(String name) {
        return ValueLayout.JAVA_BYTE.withName(name);
    }

    static ValueLayout.OfShort u16(String name) {
        return ValueLayout.JAVA_SHORT.withName(name);
    }

    static ValueLayout.OfInt u32(String name) {
        return ValueLayout.JAVA_INT.withName(name);
    }

    static ValueLayout.OfLong u64(String name) {
        return ValueLayout.JAVA_LONG.withName(name);
    }

    static ValueLayout pointer(String name) {
        return ValueLayout.ADDRESS.withName(name);
    }

    static SequenceLayout array(String name, long count, MemoryLayout element) {
        return MemoryLayout.sequenceLayout(count, element.withoutName()).withName(name);
    }

    /** An array that is itself an array element, as in {@code __u8 fpr[8][16]}. */
    static SequenceLayout array(long count, MemoryLayout element) {
        return MemoryLayout.sequenceLayout(count, element.withoutName());
    }

    /** A C flexible array member: no size of its own, entries follow the header. */
    static SequenceLayout flexibleArray(String name, MemoryLayout element) {
        return array(name, 0, element);
    }

    static StructLayout struct(String name, MemoryLayout... members) {
        return MemoryLayout.structLayout(members).withName(name);
    }

    /** A struct with no name: C's anonymous struct inside a union. */
    static StructLayout anonymousStruct(MemoryLayout... members) {
        return MemoryLayout.structLayout(members);
    }

    static UnionLayout union(String name, MemoryLayout... members) {
        return MemoryLayout.unionLayout(members).withName(name);
    }

    /** An anonymous union: its members are reached as if they were the enclosing struct's. */
    static UnionLayout anonymousUnion(MemoryLayout... members) {
        return MemoryLayout.unionLayout(members);
    }

    /** Padding the compiler inserts; it has no name in C, so it has none here. */
    static MemoryLayout pad(long bytes) {
        return MemoryLayout.paddingLayout(bytes);
    }
}
