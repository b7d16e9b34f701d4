package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import vmm.kvm.driver.internal.abi.Ioctl;

/**
 * The libc calls the driver needs, each checked: a failure becomes a
 * {@link NativeCallException} that says which call failed on what, with the errno's name.
 */
// Native access is this class's purpose; the JVM is started with --enable-native-access.
@SuppressWarnings("restricted")
public final class Libc {
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    public static final int MADV_DONTNEED = 4;
    public static final int MADV_DONTFORK = 10;
    public static final int MADV_MERGEABLE = 12;
    public static final int MADV_HUGEPAGE = 14;

    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;

    public static final int SIGPIPE = 13;

    private static final long MAP_FAILED = -1L;
    /** sizeof(struct sigaction) on x86-64 glibc; the handler is its first member. */
    static final long SIGACTION_SIZE = 152;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(INT, ADDRESS, INT, INT),
            CAPTURE, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT), CAPTURE);
    private static final MethodHandle IOCTL_LONG = downcall("ioctl", FunctionDescriptor.of(INT, INT, LONG, LONG),
            CAPTURE, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_POINTER = downcall("ioctl", FunctionDescriptor.of(INT, INT, LONG, ADDRESS),
            CAPTURE, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, LONG, INT, INT, INT, LONG), CAPTURE);
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, ADDRESS, LONG), CAPTURE);
    private static final MethodHandle MADVISE = downcall("madvise", FunctionDescriptor.of(INT, ADDRESS, LONG, INT), CAPTURE);
    private static final MethodHandle EVENTFD = downcall("eventfd", FunctionDescriptor.of(INT, INT, INT), CAPTURE);
    private static final MethodHandle READ = downcall("read", FunctionDescriptor.of(LONG, INT, ADDRESS, LONG), CAPTURE);
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(LONG, INT, ADDRESS, LONG), CAPTURE);
    private static final MethodHandle SIGACTION = downcall("sigaction",
            FunctionDescriptor.of(INT, INT, ADDRESS, ADDRESS), CAPTURE);
    private static final MethodHandle PTHREAD_SELF = downcall("pthread_self", FunctionDescriptor.of(LONG));
    private static final MethodHandle PTHREAD_KILL = downcall("pthread_kill", FunctionDescriptor.of(INT, LONG, INT));
    private static final MethodHandle STRERRORNAME = downcall("strerrorname_np", FunctionDescriptor.of(ADDRESS, INT));
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, INT));

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /** open(2); the file descriptor on success. */
    public static int open(String path, int flags) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0);
            check("open " + path, fd, state);
            return fd;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("open", t);
        }
    }

    public static void close(int fd) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) CLOSE.invokeExact(state, fd);
            check("close fd " + fd, r, state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("close", t);
        }
    }

    /** ioctl(2) with an integer argument; {@code name} names the request in errors. */
    public static int ioctl(int fd, String name, long request, long arg) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) IOCTL_LONG.invokeExact(state, fd, request, arg);
            check(name, r, state);
            return r;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed(name, t);
        }
    }

    /**
     * ioctl(2) with an integer argument. {@code detail} says what the call was about
     * ("slot 0", "vcpu 1") and follows the request's name in errors; it may be empty.
     */
    public static int ioctl(int fd, Ioctl request, String detail, long arg) throws NativeCallException {
        return ioctl(fd, callName(request, detail), request.number(), arg);
    }

    /** ioctl(2) with a pointer to a structure, which the kernel reads, writes, or both. */
    public static int ioctl(int fd, Ioctl request, String detail, MemorySegment arg) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) IOCTL_POINTER.invokeExact(state, fd, request.number(), arg);
            check(callName(request, detail), r, state);
            return r;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed(request.name(), t);
        }
    }

    static String callName(Ioctl request, String detail) {
        return detail.isEmpty() ? request.name() : request.name() + " " + detail;
    }

    /**
     * mmap(2) with no address hint. The segment is {@code length} bytes and not tied to any
     * arena: the caller owns the mapping and must {@link #munmap} it.
     */
    public static MemorySegment mmap(String what, long length, int prot, int flags, int fd, long offset)
            throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == MAP_FAILED) {
                throw failure("mmap " + what + " (" + length + " bytes)", state);
            }
            return p.reinterpret(length);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("mmap", t);
        }
    }

    public static void munmap(long address, long length) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            check("munmap 0x" + Long.toHexString(address) + " (" + length + " bytes)", r, state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("munmap", t);
        }
    }

    public static void madvise(MemorySegment range, int advice) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) MADVISE.invokeExact(state, range, range.byteSize(), advice);
            check("madvise 0x" + Long.toHexString(range.address()) + " advice " + advice, r, state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("madvise", t);
        }
    }

    /** eventfd(2); the file descriptor. */
    public static int eventfd(int initval, int flags) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) EVENTFD.invokeExact(state, initval, flags);
            check("eventfd", fd, state);
            return fd;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("eventfd", t);
        }
    }

    /** read(2) into {@code buffer}; the number of bytes read. */
    public static long read(int fd, MemorySegment buffer) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long n = (long) READ.invokeExact(state, fd, buffer, buffer.byteSize());
            if (n == -1) {
                throw failure("read fd " + fd, state);
            }
            return n;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("read", t);
        }
    }

    /** write(2) of {@code buffer}; the number of bytes written. */
    public static long write(int fd, MemorySegment buffer) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long n = (long) WRITE.invokeExact(state, fd, buffer, buffer.byteSize());
            if (n == -1) {
                throw failure("write fd " + fd, state);
            }
            return n;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("write", t);
        }
    }

    /** The handler address installed for {@code signal}: 0 is SIG_DFL, 1 is SIG_IGN. */
    public static long signalHandler(int signal) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment old = arena.allocate(SIGACTION_SIZE, 8);
            int r = (int) SIGACTION.invokeExact(state, signal, MemorySegment.NULL, old);
            check("sigaction " + signal, r, state);
            return old.get(ValueLayout.JAVA_LONG, 0);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("sigaction", t);
        }
    }

    /** The calling thread's pthread_t. */
    public static long pthreadSelf() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw downcallFailed("pthread_self", t);
        }
    }

    /** pthread_kill(3), which returns its error instead of setting errno. */
    public static void pthreadKill(long thread, int signal) throws NativeCallException {
        int r;
        try {
            r = (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw downcallFailed("pthread_kill", t);
        }
        if (r != 0) {
            throw new NativeCallException("pthread_kill signal " + signal, r, errnoName(r), describe(r));
        }
    }

    private static void check(String call, int result, MemorySegment state) throws NativeCallException {
        if (result == -1) {
            throw failure(call, state);
        }
    }

    private static NativeCallException failure(String call, MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        return new NativeCallException(call, errno, errnoName(errno), describe(errno));
    }

    /** A downcall that throws is a linkage bug, not an I/O failure. */
    private static IllegalStateException downcallFailed(String call, Throwable t) {
        return new IllegalStateException(call + " downcall failed", t);
    }

    static String errnoName(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERRORNAME.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw downcallFailed("strerrorname_np", t);
        }
    }

    static String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw downcallFailed("strerror", t);
        }
    }
}
