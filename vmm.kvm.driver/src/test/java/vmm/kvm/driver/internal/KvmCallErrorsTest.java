package vmm.kvm.driver.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import vmm.kvm.driver.internal.abi.KvmClockData;
import vmm.kvm.driver.internal.abi.KvmCpuidEntry;
import vmm.kvm.driver.internal.abi.KvmFpu;
import vmm.kvm.driver.internal.abi.KvmIoeventfd;
import vmm.kvm.driver.internal.abi.KvmIrqRoute;
import vmm.kvm.driver.internal.abi.KvmLapicState;
import vmm.kvm.driver.internal.abi.KvmMpState;
import vmm.kvm.driver.internal.abi.KvmMsi;
import vmm.kvm.driver.internal.abi.KvmMsrEntry;
import vmm.kvm.driver.internal.abi.KvmPitConfig;
import vmm.kvm.driver.internal.abi.KvmRegs;
import vmm.kvm.driver.internal.abi.KvmRun;
import vmm.kvm.driver.internal.abi.KvmSregs;
import vmm.kvm.driver.internal.abi.KvmUserspaceMemoryRegion;
import vmm.kvm.driver.internal.abi.KvmDebugregs;
import vmm.kvm.driver.internal.abi.KvmVcpuEvents;
import vmm.kvm.driver.internal.abi.KvmXcrs;

/**
 * Every KVM call of the system, VM and vCPU objects made on /dev/null: the kernel answers
 * ENOTTY after the driver has marshalled the argument and issued the ioctl, so each call's
 * path down to the kernel runs, and its error must name the request and what it was about.
 */
class KvmCallErrorsTest {
    private static final String ENOTTY = ": ENOTTY (Inappropriate ioctl for device)";

    @FunctionalInterface
    interface Call<T> {
        void on(T target) throws Exception;
    }

    private static int openDevNull() throws NativeCallException {
        return Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
    }

    private Arena arena;
    private MappedMemory memory;
    private EventFd eventFd;
    private KvmSystem system;
    private KvmVm vm;
    private KvmVcpu vcpu;

    @BeforeEach
    void wrapDevNull() throws Exception {
        arena = Arena.ofConfined();
        memory = MappedMemory.anonymous(2 << 20);
        eventFd = EventFd.create(0);
        system = new KvmSystem(new OwnedFd(openDevNull(), "/dev/null as kvm"), "/dev/null", 12);
        vm = new KvmVm(new OwnedFd(openDevNull(), "/dev/null as VM"), 3 * 4096);
        // /dev/null cannot be mapped, so kvm_run is anonymous memory of the same size here.
        vcpu = new KvmVcpu(0, new OwnedFd(openDevNull(), "/dev/null as vCPU"), MappedMemory.anonymous(3 * 4096),
                new ThreadKicker());
    }

    @AfterEach
    void close() throws Exception {
        vcpu.close();
        vm.close();
        system.close();
        eventFd.close();
        memory.close();
        arena.close();
    }

    static Stream<Arguments> systemCalls() {
        return Stream.of(
                call("KVM_CHECK_EXTENSION cap 136", (KvmSystem s) -> s.checkExtension(136)),
                call("KVM_GET_VCPU_MMAP_SIZE", KvmSystem::vcpuMmapSize),
                call("KVM_GET_SUPPORTED_CPUID nent 128", (KvmSystem s) -> s.supportedCpuid(Arena.ofAuto())),
                call("KVM_GET_MSR_INDEX_LIST nmsrs 0", KvmSystem::msrIndexList),
                call("KVM_GET_VCPU_MMAP_SIZE", (KvmSystem s) -> s.createVm().close()));
    }

    static Stream<Arguments> vmCalls() {
        return Stream.of(
                call("KVM_CHECK_EXTENSION cap 0", (Fixture f) -> f.vm.checkExtension(0)),
                call("KVM_SET_USER_MEMORY_REGION slot 0", (Fixture f) -> f.vm.setUserMemoryRegion(0,
                        KvmUserspaceMemoryRegion.KVM_MEM_LOG_DIRTY_PAGES, 0, f.memory.segment())),
                call("KVM_SET_USER_MEMORY_REGION slot 1", (Fixture f) -> f.vm.setUserMemoryRegion(1,
                        KvmUserspaceMemoryRegion.KVM_MEM_READONLY, 0xfffc0000L, f.memory.segment())),
                call("KVM_SET_USER_MEMORY_REGION slot 2", (Fixture f) -> f.vm.deleteUserMemoryRegion(2)),
                call("KVM_GET_DIRTY_LOG slot 0", (Fixture f) -> f.vm.dirtyLog(0, 2 << 20)),
                call("KVM_CREATE_IRQCHIP", (Fixture f) -> f.vm.createIrqchip()),
                call("KVM_CREATE_PIT2 flags 1", (Fixture f) -> f.vm.createPit2(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY)),
                call("KVM_IRQ_LINE irq 4 level 1", (Fixture f) -> f.vm.irqLine(4, true)),
                call("KVM_IRQ_LINE irq 4 level 0", (Fixture f) -> f.vm.irqLine(4, false)),
                call("KVM_SIGNAL_MSI address 0xfee00000 data 0x4021",
                        (Fixture f) -> f.vm.signalMsi(KvmMsi.of(0xfee00000L, 0x4021))),
                call("KVM_SET_GSI_ROUTING 2 routes", (Fixture f) -> f.vm.setGsiRouting(List.of(
                        new KvmIrqRoute.Irqchip(0, 0, 0), new KvmIrqRoute.Msi(24, 0xfee00000L, 0x30)))),
                call("KVM_IOEVENTFD port 0xc050 len 2 fd %d", (Fixture f) -> f.vm.addIoeventfd(new KvmIoeventfd(0,
                        0xc050, 2, f.eventFd.fd(), KvmIoeventfd.KVM_IOEVENTFD_FLAG_PIO))),
                call("KVM_IOEVENTFD remove mmio 0xd0000000 len 4 fd %d", (Fixture f) -> f.vm.removeIoeventfd(
                        new KvmIoeventfd(0, 0xd0000000L, 4, f.eventFd.fd(), 0))),
                call("KVM_IRQFD fd %d gsi 5", (Fixture f) -> f.vm.addIrqfd(f.eventFd, 5)),
                call("KVM_IRQFD fd %d gsi 6", (Fixture f) -> f.vm.addIrqfd(f.eventFd, 6, f.eventFd)),
                call("KVM_IRQFD remove fd %d gsi 5", (Fixture f) -> f.vm.removeIrqfd(f.eventFd, 5)),
                call("KVM_SET_TSS_ADDR 0xfffbd000", (Fixture f) -> f.vm.setTssAddr(0xfffbd000L)),
                call("KVM_SET_IDENTITY_MAP_ADDR 0xfeffc000", (Fixture f) -> f.vm.setIdentityMapAddr(0xfeffc000L)),
                call("KVM_GET_CLOCK", (Fixture f) -> f.vm.clock()),
                call("KVM_SET_CLOCK clock 5", (Fixture f) -> f.vm.setClock(new KvmClockData(5, 0, 0, 0))),
                call("KVM_CREATE_VCPU vcpu 1", (Fixture f) -> f.vm.createVcpu(1)));
    }

    static Stream<Arguments> vcpuCalls() {
        return Stream.of(
                call("KVM_RUN vcpu 0", (Fixture f) -> f.vcpu.run()),
                call("KVM_GET_REGS vcpu 0", (Fixture f) -> f.vcpu.getRegs(f.arena)),
                call("KVM_SET_REGS vcpu 0", (Fixture f) -> f.vcpu.setRegs(f.arena.allocate(KvmRegs.LAYOUT))),
                call("KVM_GET_SREGS vcpu 0", (Fixture f) -> f.vcpu.getSregs(f.arena)),
                call("KVM_SET_SREGS vcpu 0", (Fixture f) -> f.vcpu.setSregs(f.arena.allocate(KvmSregs.LAYOUT))),
                call("KVM_GET_FPU vcpu 0", (Fixture f) -> f.vcpu.getFpu(f.arena)),
                call("KVM_SET_FPU vcpu 0", (Fixture f) -> f.vcpu.setFpu(f.arena.allocate(KvmFpu.LAYOUT))),
                call("KVM_GET_XCRS vcpu 0", (Fixture f) -> f.vcpu.getXcrs(f.arena)),
                call("KVM_SET_XCRS vcpu 0", (Fixture f) -> f.vcpu.setXcrs(f.arena.allocate(KvmXcrs.LAYOUT))),
                call("KVM_GET_LAPIC vcpu 0", (Fixture f) -> f.vcpu.getLapic(f.arena)),
                call("KVM_SET_LAPIC vcpu 0", (Fixture f) -> f.vcpu.setLapic(f.arena.allocate(KvmLapicState.LAYOUT))),
                call("KVM_GET_VCPU_EVENTS vcpu 0", (Fixture f) -> f.vcpu.getVcpuEvents(f.arena)),
                call("KVM_SET_VCPU_EVENTS vcpu 0",
                        (Fixture f) -> f.vcpu.setVcpuEvents(f.arena.allocate(KvmVcpuEvents.LAYOUT))),
                call("KVM_GET_DEBUGREGS vcpu 0", (Fixture f) -> f.vcpu.getDebugregs(f.arena)),
                call("KVM_SET_DEBUGREGS vcpu 0",
                        (Fixture f) -> f.vcpu.setDebugregs(f.arena.allocate(KvmDebugregs.LAYOUT))),
                call("KVM_GET_MP_STATE vcpu 0", (Fixture f) -> f.vcpu.mpState()),
                call("KVM_SET_MP_STATE vcpu 0 state 1",
                        (Fixture f) -> f.vcpu.setMpState(KvmMpState.KVM_MP_STATE_UNINITIALIZED)),
                call("KVM_SET_CPUID2 vcpu 0", (Fixture f) -> f.vcpu.setCpuid2(KvmCpuidEntry.cpuid2(f.arena, 0))),
                call("KVM_SET_CPUID2 vcpu 0 1 entries",
                        (Fixture f) -> f.vcpu.setCpuid(List.of(new KvmCpuidEntry(0, 0, 0, 1, 2, 3, 4)))),
                call("KVM_GET_CPUID2 vcpu 0 nent 64", (Fixture f) -> f.vcpu.getCpuid(64)),
                call("KVM_GET_MSRS vcpu 0 msrs 0x10,0xc0000080", (Fixture f) -> f.vcpu.getMsrs(0x10, 0xc0000080)),
                call("KVM_SET_MSRS vcpu 0 msrs 0x174", (Fixture f) -> f.vcpu.setMsrs(List.of(new KvmMsrEntry(0x174, 8)))));
    }

    /** What the parameterized calls act on. */
    record Fixture(Arena arena, MappedMemory memory, EventFd eventFd, KvmVm vm, KvmVcpu vcpu) {
    }

    private static <T> Arguments call(String expected, Call<T> call) {
        return Arguments.of(expected, call);
    }

    private Fixture fixture() {
        return new Fixture(arena, memory, eventFd, vm, vcpu);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("systemCalls")
    void systemCallNamesItsRequest(String expected, Call<KvmSystem> call) {
        var e = assertThrows(NativeCallException.class, () -> call.on(system));
        assertEquals(expected + ENOTTY, e.getMessage());
        assertEquals(Errno.ENOTTY, e.errno());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vmCalls")
    void vmCallNamesItsRequestAndArgument(String expected, Call<Fixture> call) {
        var e = assertThrows(NativeCallException.class, () -> call.on(fixture()));
        assertEquals(expected.formatted(eventFd.fd()) + ENOTTY, e.getMessage());
        assertEquals(Errno.ENOTTY, e.errno());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vcpuCalls")
    void vcpuCallNamesItsRequestAndArgument(String expected, Call<Fixture> call) {
        var e = assertThrows(NativeCallException.class, () -> call.on(fixture()));
        assertEquals(expected + ENOTTY, e.getMessage());
        assertEquals(Errno.ENOTTY, e.errno());
    }

    @Test
    void runLeavesImmediateExitClearedAfterAFailure() {
        KvmRun.IMMEDIATE_EXIT.set(vcpu.kvmRun(), 0L, (byte) 1);
        assertThrows(NativeCallException.class, vcpu::run);
        assertEquals((byte) 0, (byte) KvmRun.IMMEDIATE_EXIT.get(vcpu.kvmRun(), 0L));
    }

    @Test
    void onlyEintrAndEagainMeanRunAgain() {
        assertTrue(KvmVcpu.returnedEarly(Errno.EINTR));
        assertTrue(KvmVcpu.returnedEarly(Errno.EAGAIN));
        assertFalse(KvmVcpu.returnedEarly(Errno.ENOTTY));
        assertFalse(KvmVcpu.returnedEarly(14)); // EFAULT: kvm_run or guest memory is bad
    }

    @Test
    void kickOutsideRunSetsImmediateExitForTheNextRun() throws Exception {
        vcpu.kick();
        assertEquals((byte) 1, (byte) KvmRun.IMMEDIATE_EXIT.get(vcpu.kvmRun(), 0L));
    }

    @Test
    void ioDataIsTheSliceTheExitPointsAt() {
        vcpu.kvmRun().set(JAVA_INT, 4096 + 4, 0xabcd);
        MemorySegment data = vcpu.ioData(new VcpuExit.Io(VcpuExit.Io.OUT, 4, 0x3f8, 2, 4096));
        assertEquals(8, data.byteSize());
        assertEquals(0xabcd, data.get(JAVA_INT, 4));
    }

    @Test
    void mmioReadIsAnsweredLittleEndianInKvmRun() {
        var read = new VcpuExit.Mmio(0xd0000000L, new byte[4], 4, false);
        vcpu.completeMmioRead(read, 0x1122334455667788L);
        assertEquals(new VcpuExit.Mmio(0xd0000000L, new byte[] {(byte) 0x88, 0x77, 0x66, 0x55}, 4, false),
                new VcpuExit.Mmio(read.physAddr(), vcpu.kvmRun().asSlice(KvmRun.MMIO_DATA_OFFSET, 4)
                        .toArray(JAVA_BYTE), 4, false));
        assertEquals(0, vcpu.kvmRun().get(JAVA_INT, KvmRun.MMIO_DATA_OFFSET + 4),
                "bytes past len are cleared");
        assertThrows(IllegalArgumentException.class,
                () -> vcpu.completeMmioRead(new VcpuExit.Mmio(0, new byte[1], 1, true), 0));
    }

    @Test
    void shortStateBufferIsRefusedBeforeTheCall() {
        var e = assertThrows(IllegalArgumentException.class, () -> vcpu.setRegs(arena.allocate(16)));
        assertEquals("KVM_SET_REGS vcpu 0: 16 bytes given, kvm_regs is 144", e.getMessage());
    }

    @Test
    void heapMemoryCannotBackAGuestSlot() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> vm.setUserMemoryRegion(0, 0, 0, MemorySegment.ofArray(new byte[4096])));
        assertEquals("slot 0: guest memory must be native, not a heap segment", e.getMessage());
    }

    @Test
    void openingAMissingDeviceNamesPathAndErrno() {
        var e = assertThrows(NativeCallException.class, () -> KvmSystem.open("/nonexistent/kvm"));
        assertEquals("open /nonexistent/kvm: ENOENT (No such file or directory)", e.getMessage());
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void openingANonKvmDeviceNamesTheVersionIoctlAndClosesTheFd() throws IOException {
        long before = openDevNullFds();
        var e = assertThrows(NativeCallException.class, () -> KvmSystem.open("/dev/null"));
        assertEquals("KVM_GET_API_VERSION /dev/null" + ENOTTY, e.getMessage());
        assertEquals(before, openDevNullFds(), "the fd opened for the probe is closed again");
    }

    @Test
    void closingTheVmClosesItsFdAndLaterCallsFailClearly() throws Exception {
        vm.close();
        var e = assertThrows(IllegalStateException.class, vm::createIrqchip);
        assertTrue(e.getMessage().matches("/dev/null as VM \\(fd \\d+\\) is closed"), e.getMessage());
        vm.close();
    }

    @Test
    void closingTheVmClosesItsVcpus() throws Exception {
        vm.own(vcpu);
        MemorySegment run = vcpu.kvmRun();
        vm.close();
        assertThrows(IllegalStateException.class, () -> run.get(JAVA_BYTE, 0));
        var e = assertThrows(IllegalStateException.class, vcpu::run);
        assertTrue(e.getMessage().matches("/dev/null as vCPU \\(fd \\d+\\) is closed"), e.getMessage());
    }

    @Test
    void closingTheVcpuUnmapsKvmRun() throws Exception {
        MemorySegment run = vcpu.kvmRun();
        vcpu.close();
        assertThrows(IllegalStateException.class, () -> run.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, vcpu::run);
    }

    private static long openDevNullFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().equals("/dev/null");
                } catch (IOException gone) {
                    // The directory's own fd, listed and already closed by the time it is read.
                    return false;
                }
            }).count();
        }
    }
}
