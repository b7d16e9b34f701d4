package vmm.kvm.driver.internal.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** C member designators resolved against the layouts, through anonymous unions as C does. */
class StructFieldsTest {

    @Test
    void designatorsPassThroughAnonymousUnions() {
        assertEquals(34, StructFields.offset(KvmRun.LAYOUT, "io.port"));
        assertEquals(48, StructFields.offset(KvmRun.LAYOUT, "mmio.len"));
        assertEquals(40, StructFields.offset(KvmRun.LAYOUT, "system_event.flags"));
        assertEquals(0, StructFields.offset(KvmIrqLevel.LAYOUT, "status"));
        assertEquals(4, StructFields.offset(KvmIrqLevel.LAYOUT, "level"));
        assertEquals(8, StructFields.offset(KvmDirtyLog.LAYOUT, "dirty_bitmap"));
    }

    @Test
    void arrayElementsByIndex() {
        assertEquals(8 + 16 * 3 + 8, StructFields.offset(KvmXcrs.LAYOUT, "xcrs[3].value"));
        assertEquals(ValueLayout.JAVA_LONG.withName("value"), StructFields.select(KvmXcrs.LAYOUT, "xcrs[3].value"));
        assertEquals(32 + 8 + 3 * 8, StructFields.offset(KvmRun.LAYOUT, "internal.data[3]"));
    }

    @Test
    void unknownMemberIsNamedInTheError() {
        var e = assertThrows(IllegalArgumentException.class, () -> StructFields.offset(KvmRun.LAYOUT, "io.prot"));
        assertEquals("no member io.prot in kvm_run", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StructFields.offset(KvmRun.LAYOUT, "exit_reason[0]"));
    }

    @Test
    void ioctlEncodingRejectsSizesThatDoNotFit() {
        assertEquals(0xC008AE05L, Ioctl.encode(3, Ioctl.KVMIO, 0x05, 8));
        assertThrows(IllegalArgumentException.class, () -> Ioctl.encode(1, Ioctl.KVMIO, 0, 1 << 14));
        assertEquals("KVM_RUN (0xae80)", KvmIoctls.KVM_RUN.toString());
    }
}
