package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.Ioctl.io;
import static vmm.kvm.driver.internal.abi.Ioctl.ior;
import static vmm.kvm.driver.internal.abi.Ioctl.iow;
import static vmm.kvm.driver.internal.abi.Ioctl.iowr;

import java.lang.foreign.ValueLayout;

/** The KVM requests this driver makes, named as in linux/kvm.h. */
public final class KvmIoctls {
    private KvmIoctls() {
    }

    // On the /dev/kvm fd.
    public static final Ioctl KVM_GET_API_VERSION = io("KVM_GET_API_VERSION", 0x00);
    public static final Ioctl KVM_CREATE_VM = io("KVM_CREATE_VM", 0x01);
    public static final Ioctl KVM_GET_MSR_INDEX_LIST = iowr("KVM_GET_MSR_INDEX_LIST", 0x02, KvmMsrEntry.MSR_LIST);
    public static final Ioctl KVM_CHECK_EXTENSION = io("KVM_CHECK_EXTENSION", 0x03);
    public static final Ioctl KVM_GET_VCPU_MMAP_SIZE = io("KVM_GET_VCPU_MMAP_SIZE", 0x04);
    public static final Ioctl KVM_GET_SUPPORTED_CPUID = iowr("KVM_GET_SUPPORTED_CPUID", 0x05, KvmCpuidEntry.CPUID2);

    // On a VM fd.
    public static final Ioctl KVM_CREATE_VCPU = io("KVM_CREATE_VCPU", 0x41);
    public static final Ioctl KVM_GET_DIRTY_LOG = iow("KVM_GET_DIRTY_LOG", 0x42, KvmDirtyLog.LAYOUT);
    public static final Ioctl KVM_SET_USER_MEMORY_REGION =
            iow("KVM_SET_USER_MEMORY_REGION", 0x46, KvmUserspaceMemoryRegion.LAYOUT);
    public static final Ioctl KVM_SET_TSS_ADDR = io("KVM_SET_TSS_ADDR", 0x47);
    public static final Ioctl KVM_SET_IDENTITY_MAP_ADDR = iow("KVM_SET_IDENTITY_MAP_ADDR", 0x48, ValueLayout.JAVA_LONG);
    public static final Ioctl KVM_CREATE_IRQCHIP = io("KVM_CREATE_IRQCHIP", 0x60);
    public static final Ioctl KVM_IRQ_LINE = iow("KVM_IRQ_LINE", 0x61, KvmIrqLevel.LAYOUT);
    public static final Ioctl KVM_GET_IRQCHIP = iowr("KVM_GET_IRQCHIP", 0x62, KvmIrqchip.LAYOUT);
    // linux/kvm.h declares it _IOR although the kernel reads the struct.
    public static final Ioctl KVM_SET_IRQCHIP = ior("KVM_SET_IRQCHIP", 0x63, KvmIrqchip.LAYOUT);
    public static final Ioctl KVM_GET_PIT2 = ior("KVM_GET_PIT2", 0x9f, KvmPitState2.LAYOUT);
    public static final Ioctl KVM_SET_PIT2 = iow("KVM_SET_PIT2", 0xa0, KvmPitState2.LAYOUT);
    public static final Ioctl KVM_SET_GSI_ROUTING = iow("KVM_SET_GSI_ROUTING", 0x6a, KvmIrqRouting.LAYOUT);
    public static final Ioctl KVM_IRQFD = iow("KVM_IRQFD", 0x76, KvmIrqfd.LAYOUT);
    public static final Ioctl KVM_CREATE_PIT2 = iow("KVM_CREATE_PIT2", 0x77, KvmPitConfig.LAYOUT);
    public static final Ioctl KVM_IOEVENTFD = iow("KVM_IOEVENTFD", 0x79, KvmIoeventfd.LAYOUT);
    public static final Ioctl KVM_SET_CLOCK = iow("KVM_SET_CLOCK", 0x7b, KvmClockData.LAYOUT);
    public static final Ioctl KVM_GET_CLOCK = ior("KVM_GET_CLOCK", 0x7c, KvmClockData.LAYOUT);
    public static final Ioctl KVM_SIGNAL_MSI = iow("KVM_SIGNAL_MSI", 0xa5, KvmMsi.LAYOUT);

    // On a vCPU fd.
    public static final Ioctl KVM_RUN = io("KVM_RUN", 0x80);
    public static final Ioctl KVM_GET_REGS = ior("KVM_GET_REGS", 0x81, KvmRegs.LAYOUT);
    public static final Ioctl KVM_SET_REGS = iow("KVM_SET_REGS", 0x82, KvmRegs.LAYOUT);
    public static final Ioctl KVM_GET_SREGS = ior("KVM_GET_SREGS", 0x83, KvmSregs.LAYOUT);
    public static final Ioctl KVM_SET_SREGS = iow("KVM_SET_SREGS", 0x84, KvmSregs.LAYOUT);
    public static final Ioctl KVM_GET_MSRS = iowr("KVM_GET_MSRS", 0x88, KvmMsrEntry.MSRS);
    public static final Ioctl KVM_SET_MSRS = iow("KVM_SET_MSRS", 0x89, KvmMsrEntry.MSRS);
    public static final Ioctl KVM_GET_FPU = ior("KVM_GET_FPU", 0x8c, KvmFpu.LAYOUT);
    public static final Ioctl KVM_SET_FPU = iow("KVM_SET_FPU", 0x8d, KvmFpu.LAYOUT);
    public static final Ioctl KVM_GET_LAPIC = ior("KVM_GET_LAPIC", 0x8e, KvmLapicState.LAYOUT);
    public static final Ioctl KVM_SET_LAPIC = iow("KVM_SET_LAPIC", 0x8f, KvmLapicState.LAYOUT);
    public static final Ioctl KVM_SET_CPUID2 = iow("KVM_SET_CPUID2", 0x90, KvmCpuidEntry.CPUID2);
    public static final Ioctl KVM_GET_CPUID2 = iowr("KVM_GET_CPUID2", 0x91, KvmCpuidEntry.CPUID2);
    public static final Ioctl KVM_GET_MP_STATE = ior("KVM_GET_MP_STATE", 0x98, KvmMpState.LAYOUT);
    public static final Ioctl KVM_SET_MP_STATE = iow("KVM_SET_MP_STATE", 0x99, KvmMpState.LAYOUT);
    public static final Ioctl KVM_GET_VCPU_EVENTS = ior("KVM_GET_VCPU_EVENTS", 0x9f, KvmVcpuEvents.LAYOUT);
    public static final Ioctl KVM_SET_VCPU_EVENTS = iow("KVM_SET_VCPU_EVENTS", 0xa0, KvmVcpuEvents.LAYOUT);
    public static final Ioctl KVM_GET_DEBUGREGS = ior("KVM_GET_DEBUGREGS", 0xa1, KvmDebugregs.LAYOUT);
    public static final Ioctl KVM_SET_DEBUGREGS = iow("KVM_SET_DEBUGREGS", 0xa2, KvmDebugregs.LAYOUT);
    public static final Ioctl KVM_GET_XCRS = ior("KVM_GET_XCRS", 0xa6, KvmXcrs.LAYOUT);
    public static final Ioctl KVM_SET_XCRS = iow("KVM_SET_XCRS", 0xa7, KvmXcrs.LAYOUT);
}
