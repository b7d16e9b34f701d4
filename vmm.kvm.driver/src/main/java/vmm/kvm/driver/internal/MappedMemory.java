package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An mmap(2) mapping, unmapped on close. The segment handed out belongs to a shared arena
 * that closes first, so a stale reference fails with IllegalStateException instead of
 * touching whatever the kernel maps at that address next.
 */
// Native access is this class's purpose; the JVM is started with --enable-native-access.
@SuppressWarnings("restricted")
public final class MappedMemory implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment segment;
    private final long address;
    private final long length;
    private boolean closed;

    private MappedMemory(MemorySegment mapping) {
        this.arena = Arena.ofShared();
        this.address = mapping.address();
        this.length = mapping.byteSize();
        this.segment = mapping.reinterpret(arena, null);
    }

    /**
     * Private anonymous memory, zero-filled and only backed as it is touched: what guest RAM
     * is made of. MAP_NORESERVE because a guest rarely touches all of its RAM.
     */
    public static MappedMemory anonymous(long length) throws NativeCallException {
        return new MappedMemory(Libc.mmap("anonymous", length, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0));
    }

    /** A shared read-write mapping of {@code fd} from offset 0, such as a vCPU's kvm_run. */
    public static MappedMemory sharedFile(String what, int fd, long length) throws NativeCallException {
        return new MappedMemory(Libc.mmap(what, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0));
    }

    public MemorySegment segment() {
        return segment;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }

    /** madvise(2) over the whole mapping, e.g. MADV_DONTFORK so a forked helper does not copy guest RAM. */
    public void advise(int advice) throws NativeCallException {
        Libc.madvise(segment, advice);
    }

    @Override
    public synchronized void close() throws NativeCallException {
        if (closed) {
            return;
        }
        closed = true;
        arena.close();
        Libc.munmap(address, length);
    }
}
