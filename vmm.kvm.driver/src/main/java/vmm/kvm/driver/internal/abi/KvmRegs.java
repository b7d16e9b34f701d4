package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_regs: the general purpose registers, rip and rflags (KVM_GET_REGS / KVM_SET_REGS). */
public final class KvmRegs {
    private KvmRegs() {
    }

    public static final StructLayout LAYOUT = struct("kvm_regs",
            u64("rax"), u64("rbx"), u64("rcx"), u64("rdx"),
            u64("rsi"), u64("rdi"), u64("rsp"), u64("rbp"),
            u64("r8"), u64("r9"), u64("r10"), u64("r11"),
            u64("r12"), u64("r13"), u64("r14"), u64("r15"),
            u64("rip"), u64("rflags"));

    public static final VarHandle RAX = StructFields.handle(LAYOUT, "rax");
    public static final VarHandle RBX = StructFields.handle(LAYOUT, "rbx");
    public static final VarHandle RCX = StructFields.handle(LAYOUT, "rcx");
    public static final VarHandle RDX = StructFields.handle(LAYOUT, "rdx");
    public static final VarHandle RSI = StructFields.handle(LAYOUT, "rsi");
    public static final VarHandle RDI = StructFields.handle(LAYOUT, "rdi");
    public static final VarHandle RSP = StructFields.handle(LAYOUT, "rsp");
    public static final VarHandle RBP = StructFields.handle(LAYOUT, "rbp");
    public static final VarHandle R8 = StructFields.handle(LAYOUT, "r8");
    public static final VarHandle R9 = StructFields.handle(LAYOUT, "r9");
    public static final VarHandle R10 = StructFields.handle(LAYOUT, "r10");
    public static final VarHandle R11 = StructFields.handle(LAYOUT, "r11");
    public static final VarHandle R12 = StructFields.handle(LAYOUT, "r12");
    public static final VarHandle R13 = StructFields.handle(LAYOUT, "r13");
    public static final VarHandle R14 = StructFields.handle(LAYOUT, "r14");
    public static final VarHandle R15 = StructFields.handle(LAYOUT, "r15");
    public static final VarHandle RIP = StructFields.handle(LAYOUT, "rip");
    public static final VarHandle RFLAGS = StructFields.handle(LAYOUT, "rflags");
}
