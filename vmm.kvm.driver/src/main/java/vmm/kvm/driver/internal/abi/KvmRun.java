package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_run, the page shared with the kernel through mmap of a vCPU fd. The exit union
 * models the members x86 user space has to read; the others stay covered by its 256-byte
 * padding, so offsets after it are right.
 */
public final class KvmRun {
    private KvmRun() {
    }

    public static final StructLayout LAYOUT = struct("kvm_run",
            u8("request_interrupt_window"),
            u8("immediate_exit"),
            array("padding1", 6, U8),
            u32("exit_reason"),
            u8("ready_for_interrupt_injection"),
            u8("if_flag"),
            u16("flags"),
            u64("cr8"),
            u64("apic_base"),
            anonymousUnion(
                    struct("hw", u64("hardware_exit_reason")),
                    struct("fail_entry", u64("hardware_entry_failure_reason"), u32("cpu"), pad(4)),
                    struct("ex", u32("exception"), u32("error_code")),
                    struct("io", u8("direction"), u8("size"), u16("port"), u32("count"), u64("data_offset")),
                    struct("debug", struct("arch",
                            u32("exception"), u32("pad"), u64("pc"), u64("dr6"), u64("dr7"))),
                    struct("mmio", u64("phys_addr"), array("data", 8, U8), u32("len"), u8("is_write"), pad(3)),
                    struct("internal", u32("suberror"), u32("ndata"), array("data", 16, U64)),
                    struct("system_event", u32("type"), u32("ndata"),
                            anonymousUnion(u64("flags"), array("data", 16, U64))),
                    array("padding", 256, U8)),
            u64("kvm_valid_regs"),
            u64("kvm_dirty_regs"),
            // kvm_sync_regs shares this union; the driver does not use synced registers.
            union("s", array("padding", 2048, U8)));

    public static final VarHandle REQUEST_INTERRUPT_WINDOW = StructFields.handle(LAYOUT, "request_interrupt_window");
    public static final VarHandle IMMEDIATE_EXIT = StructFields.handle(LAYOUT, "immediate_exit");
    public static final VarHandle EXIT_REASON = StructFields.handle(LAYOUT, "exit_reason");
    public static final VarHandle READY_FOR_INTERRUPT_INJECTION =
            StructFields.handle(LAYOUT, "ready_for_interrupt_injection");
    public static final VarHandle IF_FLAG = StructFields.handle(LAYOUT, "if_flag");

    public static final VarHandle HW_HARDWARE_EXIT_REASON = StructFields.handle(LAYOUT, "hw.hardware_exit_reason");
    public static final VarHandle FAIL_ENTRY_REASON = StructFields.handle(LAYOUT, "fail_entry.hardware_entry_failure_reason");
    public static final VarHandle FAIL_ENTRY_CPU = StructFields.handle(LAYOUT, "fail_entry.cpu");

    public static final VarHandle IO_DIRECTION = StructFields.handle(LAYOUT, "io.direction");
    public static final VarHandle IO_SIZE = StructFields.handle(LAYOUT, "io.size");
    public static final VarHandle IO_PORT = StructFields.handle(LAYOUT, "io.port");
    public static final VarHandle IO_COUNT = StructFields.handle(LAYOUT, "io.count");
    public static final VarHandle IO_DATA_OFFSET = StructFields.handle(LAYOUT, "io.data_offset");

    public static final VarHandle DEBUG_EXCEPTION = StructFields.handle(LAYOUT, "debug.arch.exception");
    public static final VarHandle DEBUG_PC = StructFields.handle(LAYOUT, "debug.arch.pc");
    public static final VarHandle DEBUG_DR6 = StructFields.handle(LAYOUT, "debug.arch.dr6");
    public static final VarHandle DEBUG_DR7 = StructFields.handle(LAYOUT, "debug.arch.dr7");

    public static final VarHandle MMIO_PHYS_ADDR = StructFields.handle(LAYOUT, "mmio.phys_addr");
    public static final long MMIO_DATA_OFFSET = StructFields.offset(LAYOUT, "mmio.data");
    public static final int MMIO_DATA_SIZE = 8;
    public static final VarHandle MMIO_LEN = StructFields.handle(LAYOUT, "mmio.len");
    public static final VarHandle MMIO_IS_WRITE = StructFields.handle(LAYOUT, "mmio.is_write");

    public static final VarHandle INTERNAL_SUBERROR = StructFields.handle(LAYOUT, "internal.suberror");
    public static final VarHandle INTERNAL_NDATA = StructFields.handle(LAYOUT, "internal.ndata");
    /** Takes an index after the base offset. */
    public static final VarHandle INTERNAL_DATA = StructFields.handle(LAYOUT, "internal.data[]");
    public static final int INTERNAL_DATA_MAX = 16;

    public static final VarHandle SYSTEM_EVENT_TYPE = StructFields.handle(LAYOUT, "system_event.type");
    public static final VarHandle SYSTEM_EVENT_NDATA = StructFields.handle(LAYOUT, "system_event.ndata");
    public static final VarHandle SYSTEM_EVENT_FLAGS = StructFields.handle(LAYOUT, "system_event.flags");
    /** Takes an index after the base offset. */
    public static final VarHandle SYSTEM_EVENT_DATA = StructFields.handle(LAYOUT, "system_event.data[]");
    public static final int SYSTEM_EVENT_DATA_MAX = 16;
}
