package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import vmm.kvm.driver.internal.abi.Ioctl;
import vmm.kvm.driver.internal.abi.KvmCpuidEntry;
import vmm.kvm.driver.internal.abi.KvmDebugregs;
import vmm.kvm.driver.internal.abi.KvmFpu;
import vmm.kvm.driver.internal.abi.KvmIoctls;
import vmm.kvm.driver.internal.abi.KvmLapicState;
import vmm.kvm.driver.internal.abi.KvmMpState;
import vmm.kvm.driver.internal.abi.KvmMsrEntry;
import vmm.kvm.driver.internal.abi.KvmRegs;
import vmm.kvm.driver.internal.abi.KvmRun;
import vmm.kvm.driver.internal.abi.KvmSregs;
import vmm.kvm.driver.internal.abi.KvmVcpuEvents;
import vmm.kvm.driver.internal.abi.KvmXcrs;

/**
 * A vCPU file descriptor and its kvm_run mapping. {@link #run()} belongs to one thread at a
 * time; {@link #kick()} may be called from any thread to make that run return.
 *
 * <p>Register state is exchanged as memory laid out as the kernel structure (see the layouts
 * in the abi package), so that get, change, set carries back every field, including those
 * this driver does not name.
 */
public final class KvmVcpu implements AutoCloseable {
    private final int id;
    private final OwnedFd fd;
    private final MappedMemory runMapping;
    private final MemorySegment run;
    private final ThreadKicker kicker;
    private final String detail;

    KvmVcpu(int id, OwnedFd fd, MappedMemory runMapping, ThreadKicker kicker) {
        if (runMapping.length() < KvmRun.LAYOUT.byteSize()) {
            throw new IllegalArgumentException("kvm_run mapping of " + runMapping.length() + " bytes is smaller than "
                    + KvmRun.LAYOUT.byteSize());
        }
        this.id = id;
        this.fd = fd;
        this.runMapping = runMapping;
        this.run = runMapping.segment();
        this.kicker = kicker;
        this.detail = "vcpu " + id;
    }

    public int id() {
        return id;
    }

    /** The whole mapping: kvm_run at offset 0, then the PIO data page and the coalesced MMIO ring. */
    public MemorySegment kvmRun() {
        return run;
    }

    /**
     * KVM_RUN until the next exit. A kick, a signal, or the wake-up of a vCPU that was waiting
     * for SIPI ends it early with {@link VcpuExit.Intr}: callers keep their own state (paused,
     * stopping) and look at it after every exit, then run again.
     */
    public VcpuExit run() throws NativeCallException {
        int vcpuFd = fd.fd();
        kicker.enter();
        boolean interrupted = false;
        try {
            Libc.ioctl(vcpuFd, KvmIoctls.KVM_RUN, detail, 0);
        } catch (NativeCallException e) {
            if (!returnedEarly(e.errno())) {
                throw e;
            }
            interrupted = true;
        } finally {
            kicker.leave(() -> KvmRun.IMMEDIATE_EXIT.set(run, 0L, (byte) 0));
        }
        // After EINTR, exit_reason is KVM_EXIT_INTR only if KVM got as far as the guest;
        // with immediate_exit it still holds the previous exit.
        return interrupted ? new VcpuExit.Intr() : VcpuExitDecoder.decode(run);
    }

    /**
     * Whether KVM_RUN failing with {@code errno} means it came back before the guest did
     * anything, to be run again, rather than an error: EINTR for a signal or immediate_exit,
     * EAGAIN for an application processor that was waiting for INIT/SIPI and was woken up.
     */
    static boolean returnedEarly(int errno) {
        return errno == Errno.EINTR || errno == Errno.EAGAIN;
    }

    /**
     * Makes the current {@link #run()} return {@link VcpuExit.Intr} soon, or the next one at
     * once if none is running: sets kvm_run.immediate_exit, then signals the running thread.
     */
    public void kick() throws NativeCallException {
        kicker.kick(() -> KvmRun.IMMEDIATE_EXIT.setVolatile(run, 0L, (byte) 1));
    }

    /** The bytes of a port I/O exit: what the guest wrote (OUT), or where to put what it reads (IN). */
    public MemorySegment ioData(VcpuExit.Io io) {
        return run.asSlice(io.dataOffset(), (long) io.size() * io.count());
    }

    /** Answers an MMIO read exit: {@code value}'s low bytes, little-endian, become what the guest reads. */
    public void completeMmioRead(VcpuExit.Mmio mmio, long value) {
        if (mmio.isWrite()) {
            throw new IllegalArgumentException("not a read: " + mmio);
        }
        MemorySegment data = run.asSlice(KvmRun.MMIO_DATA_OFFSET, KvmRun.MMIO_DATA_SIZE);
        data.fill((byte) 0);
        for (int i = 0; i < Math.min(mmio.len(), KvmRun.MMIO_DATA_SIZE); i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) (value >>> (8 * i)));
        }
    }

    /** Asks KVM to exit with KVM_EXIT_IRQ_WINDOW_OPEN once the guest can take an interrupt. */
    public void requestInterruptWindow(boolean request) {
        KvmRun.REQUEST_INTERRUPT_WINDOW.set(run, 0L, (byte) (request ? 1 : 0));
    }

    /**
     * Whether KVM could inject an interrupt right now (kvm_run.ready_for_interrupt_injection,
     * as of the last exit); only meaningful without an in-kernel irqchip.
     */
    public boolean readyForInterruptInjection() {
        return (byte) KvmRun.READY_FOR_INTERRUPT_INJECTION.get(run, 0L) != 0;
    }

    public MemorySegment getRegs(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_REGS, KvmRegs.LAYOUT, allocator);
    }

    public void setRegs(MemorySegment regs) throws NativeCallException {
        set(KvmIoctls.KVM_SET_REGS, KvmRegs.LAYOUT, regs);
    }

    public MemorySegment getSregs(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_SREGS, KvmSregs.LAYOUT, allocator);
    }

    public void setSregs(MemorySegment sregs) throws NativeCallException {
        set(KvmIoctls.KVM_SET_SREGS, KvmSregs.LAYOUT, sregs);
    }

    public MemorySegment getFpu(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_FPU, KvmFpu.LAYOUT, allocator);
    }

    public void setFpu(MemorySegment fpu) throws NativeCallException {
        set(KvmIoctls.KVM_SET_FPU, KvmFpu.LAYOUT, fpu);
    }

    public MemorySegment getXcrs(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_XCRS, KvmXcrs.LAYOUT, allocator);
    }

    public void setXcrs(MemorySegment xcrs) throws NativeCallException {
        set(KvmIoctls.KVM_SET_XCRS, KvmXcrs.LAYOUT, xcrs);
    }

    public MemorySegment getLapic(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_LAPIC, KvmLapicState.LAYOUT, allocator);
    }

    public void setLapic(MemorySegment lapic) throws NativeCallException {
        set(KvmIoctls.KVM_SET_LAPIC, KvmLapicState.LAYOUT, lapic);
    }

    public MemorySegment getVcpuEvents(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_VCPU_EVENTS, KvmVcpuEvents.LAYOUT, allocator);
    }

    public void setVcpuEvents(MemorySegment events) throws NativeCallException {
        set(KvmIoctls.KVM_SET_VCPU_EVENTS, KvmVcpuEvents.LAYOUT, events);
    }

    public MemorySegment getDebugregs(SegmentAllocator allocator) throws NativeCallException {
        return get(KvmIoctls.KVM_GET_DEBUGREGS, KvmDebugregs.LAYOUT, allocator);
    }

    public void setDebugregs(MemorySegment debugregs) throws NativeCallException {
        set(KvmIoctls.KVM_SET_DEBUGREGS, KvmDebugregs.LAYOUT, debugregs);
    }

    /** KVM_GET_MP_STATE: one of KvmMpState's KVM_MP_STATE_* values. */
    public int mpState() throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            return (int) KvmMpState.MP_STATE.get(get(KvmIoctls.KVM_GET_MP_STATE, KvmMpState.LAYOUT, arena), 0L);
        }
    }

    public void setMpState(int state) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmMpState.LAYOUT);
            KvmMpState.MP_STATE.set(s, 0L, state);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_MP_STATE, detail + " state " + state, s);
        }
    }

    /** KVM_SET_CPUID2 with a kvm_cpuid2 such as {@link KvmSystem#supportedCpuid} returns. */
    public void setCpuid2(MemorySegment cpuid2) throws NativeCallException {
        Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_CPUID2, detail, cpuid2);
    }

    public void setCpuid(List<KvmCpuidEntry> entries) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_CPUID2, detail + " " + entries.size() + " entries",
                    KvmCpuidEntry.cpuid2(arena, entries));
        }
    }

    /** KVM_GET_CPUID2: what the vCPU was given; the buffer must be large enough (E2BIG otherwise). */
    public List<KvmCpuidEntry> getCpuid(int capacity) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpuid2 = KvmCpuidEntry.cpuid2(arena, capacity);
            Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_CPUID2, detail + " nent " + capacity, cpuid2);
            return KvmCpuidEntry.entries(cpuid2);
        }
    }

    /**
     * KVM_GET_MSRS for {@code indices}. KVM stops at the first MSR it cannot read and says
     * how many it read; that one is named in the exception.
     */
    public List<KvmMsrEntry> getMsrs(int... indices) throws NativeCallException, KvmException {
        List<KvmMsrEntry> query = Arrays.stream(indices).mapToObj(i -> new KvmMsrEntry(i, 0)).toList();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msrs = KvmMsrEntry.msrs(arena, query);
            int read = Libc.ioctl(fd.fd(), KvmIoctls.KVM_GET_MSRS, detail + " " + names(query), msrs);
            if (read < indices.length) {
                throw new KvmException("KVM_GET_MSRS " + detail + ": MSR 0x" + Integer.toHexString(indices[read])
                        + " could not be read (" + read + " of " + indices.length + " read)");
            }
            return KvmMsrEntry.entries(msrs, read);
        }
    }

    /** KVM_SET_MSRS; like {@link #getMsrs}, the first MSR KVM refuses is named. */
    public void setMsrs(List<KvmMsrEntry> entries) throws NativeCallException, KvmException {
        try (Arena arena = Arena.ofConfined()) {
            int written = Libc.ioctl(fd.fd(), KvmIoctls.KVM_SET_MSRS, detail + " " + names(entries),
                    KvmMsrEntry.msrs(arena, entries));
            if (written < entries.size()) {
                KvmMsrEntry refused = entries.get(written);
                throw new KvmException("KVM_SET_MSRS " + detail + ": MSR 0x" + Integer.toHexString(refused.index())
                        + " refused value 0x" + Long.toHexString(refused.data())
                        + " (" + written + " of " + entries.size() + " set)");
            }
        }
    }

    private static String names(List<KvmMsrEntry> entries) {
        return entries.stream().map(e -> "0x" + Integer.toHexString(e.index()))
                .collect(Collectors.joining(",", "msrs ", ""));
    }

    private MemorySegment get(Ioctl request, StructLayout layout, SegmentAllocator allocator) throws NativeCallException {
        MemorySegment s = allocator.allocate(layout);
        Libc.ioctl(fd.fd(), request, detail, s);
        return s;
    }

    private void set(Ioctl request, StructLayout layout, MemorySegment value) throws NativeCallException {
        if (value.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException(request.name() + " " + detail + ": " + value.byteSize()
                    + " bytes given, " + layout.name().orElseThrow() + " is " + layout.byteSize());
        }
        Libc.ioctl(fd.fd(), request, detail, value);
    }

    /** Unmaps kvm_run, then closes the vCPU fd; both are attempted. */
    @Override
    public void close() throws NativeCallException {
        try {
            runMapping.close();
        } catch (NativeCallException e) {
            KvmSystem.closeAfterFailure(fd, e);
            throw e;
        }
        fd.close();
    }

    @Override
    public String toString() {
        return "vCPU " + id;
    }
}
