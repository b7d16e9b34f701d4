package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.kvm.driver.internal.abi.KvmCpuidEntry;
import vmm.kvm.driver.internal.abi.KvmIoctls;
import vmm.kvm.driver.internal.abi.KvmMsrEntry;

/** The /dev/kvm file descriptor: questions about the host's KVM, and VM creation. */
public final class KvmSystem implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvmSystem.class);

    public static final String DEVICE = "/dev/kvm";
    /** The only stable KVM API version since Linux 2.6.22. */
    public static final int SUPPORTED_API = 12;
    /** Enough for every leaf current CPUs report; doubled when KVM says E2BIG. */
    static final int INITIAL_CPUID_ENTRIES = 128;
    /** KVM refuses larger cpuid2 buffers anyway (KVM_MAX_CPUID_ENTRIES is 256). */
    static final int MAX_CPUID_ENTRIES = 4096;

    private final OwnedFd fd;
    private final String device;
    private final int apiVersion;

    KvmSystem(OwnedFd fd, String device, int apiVersion) {
        this.fd = fd;
        this.device = device;
        this.apiVersion = apiVersion;
    }

    public static KvmSystem open() throws NativeCallException, KvmException {
        return open(DEVICE);
    }

    /** Opens {@code device} and checks that it speaks KVM API version 12. */
    public static KvmSystem open(String device) throws NativeCallException, KvmException {
        OwnedFd fd = new OwnedFd(Libc.open(device, Libc.O_RDWR | Libc.O_CLOEXEC), device);
        try {
            int version = Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_API_VERSION, device, 0);
            if (version != SUPPORTED_API) {
                throw new KvmException(device + ": KVM API version " + version + ", this VMM needs " + SUPPORTED_API);
            }
            LOG.debug("{}: KVM API version {}", device, version);
            return new KvmSystem(fd, device, version);
        } catch (NativeCallException | KvmException | RuntimeException e) {
            closeAfterFailure(fd, e);
            throw e;
        }
    }

    /** Closes {@code fd} after {@code cause}, keeping a failure to close as a suppressed exception. */
    static void closeAfterFailure(AutoCloseable fd, Exception cause) {
        try {
            fd.close();
        } catch (Exception closing) {
            cause.addSuppressed(closing);
        }
    }

    public int apiVersion() {
        return apiVersion;
    }

    /** KVM_CHECK_EXTENSION: 0 when absent, else 1 or a capability-specific number. */
    public int checkExtension(int capability) throws NativeCallException {
        return Libc.ioctl(fd.fd(), KvmIoctls.KVM_CHECK_EXTENSION, "cap " + capability, capability);
    }

    /** The size of each vCPU's kvm_run mapping (kvm_run, the PIO page, the coalesced MMIO ring). */
    public int vcpuMmapSize() throws NativeCallException {
        return Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, "", 0);
    }

    /**
     * KVM_GET_SUPPORTED_CPUID: the CPUID leaves KVM can present to a guest, as a kvm_cpuid2
     * ready for KVM_SET_CPUID2 (or for {@link KvmCpuidEntry#entries}).
     */
    public MemorySegment supportedCpuid(SegmentAllocator allocator) throws NativeCallException {
        for (int capacity = INITIAL_CPUID_ENTRIES; ; capacity *= 2) {
            MemorySegment cpuid = KvmCpuidEntry.cpuid2(allocator, capacity);
            try {
                Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_SUPPORTED_CPUID, "nent " + capacity, cpuid);
                return cpuid;
            } catch (NativeCallException e) {
                if (e.errno() != Errno.E2BIG || capacity >= MAX_CPUID_ENTRIES) {
                    throw e;
                }
                LOG.debug("KVM_GET_SUPPORTED_CPUID: {} entries are too few, retrying", capacity);
            }
        }
    }

    /**
     * KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores. Asked twice: the first call,
     * with room for none, fails with E2BIG and says how many there are.
     */
    public int[] msrIndexList() throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment probe = KvmMsrEntry.msrList(arena, 0);
            int needed;
            try {
                Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_MSR_INDEX_LIST, "nmsrs 0", probe);
                return new int[0];
            } catch (NativeCallException e) {
                if (e.errno() != Errno.E2BIG) {
                    throw e;
                }
                needed = KvmMsrEntry.msrListCount(probe);
            }
            MemorySegment list = KvmMsrEntry.msrList(arena, needed);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_MSR_INDEX_LIST, "nmsrs " + needed, list);
            return KvmMsrEntry.msrListIndices(list);
        }
    }

    /** KVM_CREATE_VM with the default machine type. */
    public KvmVm createVm() throws NativeCallException {
        return createVm(0);
    }

    public KvmVm createVm(int machineType) throws NativeCallException {
        int mmapSize = vcpuMmapSize();
        int vmFd = Libc.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_VM, "type " + machineType, machineType);
        return new KvmVm(new OwnedFd(vmFd, "KVM VM"), mmapSize);
    }

    @Override
    public void close() throws NativeCallException {
        fd.close();
    }

    @Override
    public String toString() {
        return device + " (KVM API " + apiVersion + ")";
    }
}
