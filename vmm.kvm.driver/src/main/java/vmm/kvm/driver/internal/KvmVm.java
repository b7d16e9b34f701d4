package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.kvm.driver.internal.abi.KvmClockData;
import vmm.kvm.driver.internal.abi.KvmDirtyLog;
import vmm.kvm.driver.internal.abi.KvmIoctls;
import vmm.kvm.driver.internal.abi.KvmIoeventfd;
import vmm.kvm.driver.internal.abi.KvmIrqLevel;
import vmm.kvm.driver.internal.abi.KvmIrqchip;
import vmm.kvm.driver.internal.abi.KvmIrqRoute;
import vmm.kvm.driver.internal.abi.KvmIrqRouting;
import vmm.kvm.driver.internal.abi.KvmIrqfd;
import vmm.kvm.driver.internal.abi.KvmMsi;
import vmm.kvm.driver.internal.abi.KvmPitConfig;
import vmm.kvm.driver.internal.abi.KvmPitState2;
import vmm.kvm.driver.internal.abi.KvmUserspaceMemoryRegion;

/**
 * A VM file descriptor: guest memory slots, the in-kernel interrupt controllers and timer,
 * interrupt delivery, eventfd wiring, and vCPU creation. Closing it closes the vCPUs it
 * created; it does not unmap the host memory behind its slots, which the caller owns.
 */
public final class KvmVm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvmVm.class);

    public static final long PAGE_SIZE = 4096;

    private final OwnedFd fd;
    private final int vcpuMmapSize;
    private final List<KvmVcpu> vcpus = new ArrayList<>();

    KvmVm(OwnedFd fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** KVM_CHECK_EXTENSION on the VM, whose answer can differ from the system's (KVM_CAP_CHECK_EXTENSION_VM). */
    public int checkExtension(int capability) throws NativeCallException {
        return Libc.ioctl(fd.fd(), KvmIoctls.KVM_CHECK_EXTENSION, "cap " + capability, capability);
    }

    /** KVM_SET_USER_MEMORY_REGION: map {@code region} into guest-physical memory (size 0 deletes the slot). */
    public void setUserMemoryRegion(KvmUserspaceMemoryRegion region) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_USER_MEMORY_REGION, "slot " + region.slot(), region.toSegment(arena));
        }
        LOG.debug("slot {}: gpa 0x{} size 0x{} flags {}", region.slot(), Long.toHexString(region.guestPhysAddr()),
                Long.toHexString(region.memorySize()), region.flags());
    }

    /**
     * Backs guest-physical {@code guestPhysAddr} with {@code host}, which must be native,
     * page-aligned memory that outlives the slot (such as a {@link MappedMemory}).
     * {@code flags}: {@link KvmUserspaceMemoryRegion#KVM_MEM_LOG_DIRTY_PAGES},
     * {@link KvmUserspaceMemoryRegion#KVM_MEM_READONLY}.
     */
    public void setUserMemoryRegion(int slot, int flags, long guestPhysAddr, MemorySegment host)
            throws NativeCallException {
        if (!host.isNative()) {
            throw new IllegalArgumentException("slot " + slot + ": guest memory must be native, not a heap segment");
        }
        setUserMemoryRegion(new KvmUserspaceMemoryRegion(slot, flags, guestPhysAddr, host.byteSize(), host.address()));
    }

    public void deleteUserMemoryRegion(int slot) throws NativeCallException {
        setUserMemoryRegion(new KvmUserspaceMemoryRegion(slot, 0, 0, 0, 0));
    }

    /**
     * KVM_GET_DIRTY_LOG: the pages of {@code slot} written since the previous call (bit i is
     * page i of the slot). The slot must have been registered with KVM_MEM_LOG_DIRTY_PAGES.
     */
    public BitSet dirtyLog(int slot, long slotBytes) throws NativeCallException {
        long pages = (slotBytes + PAGE_SIZE - 1) / PAGE_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bitmap = arena.allocate(KvmDirtyLog.bitmapBytes(pages), 8);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_DIRTY_LOG, "slot " + slot, KvmDirtyLog.toSegment(arena, slot, bitmap));
            return BitSet.valueOf(bitmap.toArray(ValueLayout.JAVA_LONG));
        }
    }

    /** KVM_CREATE_IRQCHIP: in-kernel PIC pair, IOAPIC and a local APIC per vCPU; before any vCPU. */
    public void createIrqchip() throws NativeCallException {
        Libc.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_IRQCHIP, "", 0);
    }

    /** KVM_CREATE_PIT2: the in-kernel i8254; after the irqchip. */
    public void createPit2(int flags) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_PIT2, "flags " + flags, new KvmPitConfig(flags).toSegment(arena));
        }
    }

    /** KVM_IRQ_LINE: drive GSI {@code irq} high or low (an edge is high then low). */
    public void irqLine(int irq, boolean high) throws NativeCallException {
        KvmIrqLevel level = new KvmIrqLevel(irq, high ? 1 : 0);
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_IRQ_LINE, "irq " + irq + " level " + level.level(), level.toSegment(arena));
        }
    }

    /** KVM_SIGNAL_MSI: 1 when delivered, 0 when the guest blocked it. */
    public int signalMsi(KvmMsi msi) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.ioctl(fd.fd(), KvmIoctls.KVM_SIGNAL_MSI, "address 0x" + Long.toHexString(msi.address())
                    + " data 0x" + Integer.toHexString(msi.data()), msi.toSegment(arena));
        }
    }

    /** KVM_SET_GSI_ROUTING: replaces the whole routing table. */
    public void setGsiRouting(List<? extends KvmIrqRoute> routes) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_GSI_ROUTING, routes.size() + " routes",
                    KvmIrqRouting.toSegment(arena, routes));
        }
    }

    /** KVM_IOEVENTFD: guest writes matching {@code ioeventfd} signal its eventfd instead of exiting. */
    public void addIoeventfd(KvmIoeventfd ioeventfd) throws NativeCallException {
        ioeventfd(ioeventfd);
    }

    public void removeIoeventfd(KvmIoeventfd ioeventfd) throws NativeCallException {
        ioeventfd(ioeventfd.deassign());
    }

    private void ioeventfd(KvmIoeventfd ioeventfd) throws NativeCallException {
        String detail = ((ioeventfd.flags() & KvmIoeventfd.KVM_IOEVENTFD_FLAG_DEASSIGN) != 0 ? "remove " : "")
                + ioeventfd.describe();
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_IOEVENTFD, detail, ioeventfd.toSegment(arena));
        }
    }

    /** KVM_IRQFD: signalling {@code eventFd} raises GSI {@code gsi} (edge). */
    public void addIrqfd(EventFd eventFd, int gsi) throws NativeCallException {
        irqfd(new KvmIrqfd(eventFd.fd(), gsi, 0, 0));
    }

    /**
     * KVM_IRQFD with a resample fd: a level-triggered GSI that stays asserted until the
     * guest's EOI, when KVM signals {@code resample} so the device can re-assert if needed.
     */
    public void addIrqfd(EventFd eventFd, int gsi, EventFd resample) throws NativeCallException {
        irqfd(new KvmIrqfd(eventFd.fd(), gsi, KvmIrqfd.KVM_IRQFD_FLAG_RESAMPLE, resample.fd()));
    }

    public void removeIrqfd(EventFd eventFd, int gsi) throws NativeCallException {
        irqfd(new KvmIrqfd(eventFd.fd(), gsi, KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN, 0));
    }

    private void irqfd(KvmIrqfd irqfd) throws NativeCallException {
        String detail = ((irqfd.flags() & KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN) != 0 ? "remove " : "")
                + "fd " + irqfd.fd() + " gsi " + irqfd.gsi();
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_IRQFD, detail, irqfd.toSegment(arena));
        }
    }

    /**
     * KVM_SET_TSS_ADDR: three pages of guest-physical space, unused by the guest, that Intel
     * VMX needs for real-mode emulation; conventionally 0xfffbd000.
     */
    public void setTssAddr(long guestPhysAddr) throws NativeCallException {
        Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_TSS_ADDR, "0x" + Long.toHexString(guestPhysAddr), guestPhysAddr);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for VMX's identity page table; conventionally 0xfeffc000. */
    public void setIdentityMapAddr(long guestPhysAddr) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocateFrom(ValueLayout.JAVA_LONG, guestPhysAddr);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, "0x" + Long.toHexString(guestPhysAddr), addr);
        }
    }

    /** KVM_GET_CLOCK */
    public KvmClockData clock() throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmClockData.LAYOUT);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_CLOCK, "", s);
            return KvmClockData.read(s);
        }
    }

    /** KVM_GET_IRQCHIP for chip {@code chipId} (KvmIrqchip.KVM_IRQCHIP_*). */
    public KvmIrqchip irqchip(int chipId) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = KvmIrqchip.request(arena, chipId);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_IRQCHIP, "chip " + chipId, s);
            return KvmIrqchip.read(s);
        }
    }

    /** KVM_SET_IRQCHIP */
    public void setIrqchip(KvmIrqchip chip) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_IRQCHIP, "chip " + chip.chipId(), chip.toSegment(arena));
        }
    }

    /** KVM_GET_PIT2 */
    public KvmPitState2 pit2() throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmPitState2.LAYOUT);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_PIT2, "", s);
            return KvmPitState2.read(s);
        }
    }

    /** KVM_SET_PIT2 */
    public void setPit2(KvmPitState2 pit) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_PIT2, "", pit.toSegment(arena));
        }
    }

    /** KVM_SET_CLOCK */
    public void setClock(KvmClockData clock) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_CLOCK, "clock " + clock.clock(), clock.toSegment(arena));
        }
    }

    /** KVM_CREATE_VCPU, then maps its kvm_run. */
    public synchronized KvmVcpu createVcpu(int id) throws NativeCallException {
        OwnedFd vcpuFd = new OwnedFd(Libc.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_VCPU, "vcpu " + id, id), "vCPU " + id);
        MappedMemory run;
        ThreadKicker kicker;
        try {
            run = MappedMemory.sharedFile("kvm_run of vcpu " + id, vcpuFd.fd(), vcpuMmapSize);
        } catch (NativeCallException | RuntimeException e) {
            KvmSystem.closeAfterFailure(vcpuFd, e);
            throw e;
        }
        try {
            kicker = new ThreadKicker();
        } catch (NativeCallException | RuntimeException e) {
            KvmSystem.closeAfterFailure(run, e);
            KvmSystem.closeAfterFailure(vcpuFd, e);
            throw e;
        }
        return own(new KvmVcpu(id, vcpuFd, run, kicker));
    }

    /** Makes {@code vcpu} this VM's, to be closed with it. */
    synchronized KvmVcpu own(KvmVcpu vcpu) {
        vcpus.add(vcpu);
        return vcpu;
    }

    /** Closes every vCPU created here, then the VM; the first failure is thrown, later ones suppressed. */
    @Override
    public synchronized void close() throws NativeCallException {
        List<AutoCloseableFd> owned = new ArrayList<>(vcpus.size() + 1);
        vcpus.forEach(v -> owned.add(v::close));
        owned.add(fd::close);
        vcpus.clear();
        NativeCallException failure = null;
        for (AutoCloseableFd c : owned) {
            try {
                c.close();
            } catch (NativeCallException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @FunctionalInterface
    private interface AutoCloseableFd {
        void close() throws NativeCallException;
    }
}
