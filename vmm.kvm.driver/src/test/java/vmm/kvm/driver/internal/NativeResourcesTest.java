package vmm.kvm.driver.internal;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The mappings and file descriptors the driver owns: they work, and close means gone. */
class NativeResourcesTest {

    @Test
    void anonymousMemoryIsZeroedWritableAndUnmappedOnClose() throws Exception {
        MappedMemory memory = MappedMemory.anonymous(4 << 20);
        MemorySegment s = memory.segment();
        assertEquals(4 << 20, s.byteSize());
        assertEquals(0, memory.address() % 4096, "page-aligned, as KVM requires of a slot");
        assertEquals(0L, s.get(JAVA_LONG, (4 << 20) - 8));
        s.set(JAVA_LONG, 4096, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, s.get(JAVA_LONG, 4096));
        memory.advise(Libc.MADV_DONTFORK);
        assertTrue(mapped(memory.address()), "listed in /proc/self/maps while open");

        memory.close();

        assertFalse(mapped(memory.address()), "gone from /proc/self/maps after close");
        assertThrows(IllegalStateException.class, () -> s.get(JAVA_LONG, 0));
        memory.close();
    }

    @Test
    void madviseFailureNamesTheRangeAndAdvice() throws Exception {
        try (MappedMemory memory = MappedMemory.anonymous(4096)) {
            var e = assertThrows(NativeCallException.class, () -> memory.advise(12345));
            assertEquals("madvise 0x" + Long.toHexString(memory.address()) + " advice 12345: EINVAL (Invalid argument)",
                    e.getMessage());
        }
    }

    @Test
    void mmapFailureNamesWhatWasMapped() {
        var e = assertThrows(NativeCallException.class, () -> MappedMemory.sharedFile("kvm_run of vcpu 0", 9999, 12288));
        assertEquals("mmap kvm_run of vcpu 0 (12288 bytes): EBADF (Bad file descriptor)", e.getMessage());
    }

    @Test
    void eventFdCountsSignalsUntilConsumed() throws Exception {
        try (EventFd fd = EventFd.create(Libc.EFD_NONBLOCK)) {
            fd.signal(3);
            fd.signal(4);
            assertEquals(7, fd.consume());
            var e = assertThrows(NativeCallException.class, fd::consume);
            assertEquals("read fd " + fd.fd() + ": EAGAIN (Resource temporarily unavailable)", e.getMessage());
            assertEquals(Errno.EAGAIN, e.errno());
        }
    }

    @Test
    void closedEventFdRefusesUse() throws Exception {
        EventFd fd = EventFd.create(0);
        int number = fd.fd();
        fd.close();
        var e = assertThrows(IllegalStateException.class, () -> fd.signal(1));
        assertEquals("eventfd (fd " + number + ") is closed", e.getMessage());
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + number)) && isEventFd(number),
                "the descriptor is released");
    }

    @Test
    void ownedFdClosesOnce() throws Exception {
        OwnedFd fd = new OwnedFd(Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC), "/dev/null");
        int number = fd.fd();
        fd.close();
        assertTrue(fd.isClosed());
        // A second close must not close whatever reused the number since.
        int reused = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        try {
            fd.close();
            assertTrue(Files.exists(Path.of("/proc/self/fd/" + reused)));
        } finally {
            Libc.close(reused);
        }
        var e = assertThrows(NativeCallException.class, () -> Libc.close(reused));
        assertEquals("close fd " + reused + ": EBADF (Bad file descriptor)", e.getMessage());
    }

    private static boolean isEventFd(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().contains("eventfd");
    }

    /** Whether any mapping of this process covers {@code address} (neighbours may merge with ours). */
    private static boolean mapped(long address) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(line -> {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            return Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0;
        });
    }
}
