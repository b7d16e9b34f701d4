package vmm.core.internal.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls guest RAM is made with: mmap, munmap, madvise and mbind, each checked, a
 * failure thrown as {@link HostCallException} with the errno's name and text.
 */
// Native access is this class's purpose; the JVM runs with --enable-native-access.
@SuppressWarnings("restricted")
public final class HostMemoryCalls {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    public static final int MADV_DONTFORK = 10;
    public static final int MADV_MERGEABLE = 12;
    public static final int MADV_HUGEPAGE = 14;

    /** mbind(2)'s policy that allocates only from the given nodes. */
    public static final int MPOL_BIND = 2;
    /** glibc has no mbind wrapper (it lives in libnuma), so it goes through syscall(2). */
    private static final long SYS_MBIND = 237;

    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, LONG, INT, INT, INT, LONG), CAPTURE);
    private static final MethodHandle MADVISE = downcall("madvise", FunctionDescriptor.of(INT, ADDRESS, LONG, INT), CAPTURE);
    /**
     * The calls a start does not make, linked on first use: linking a downcall costs the JVM tens
     * of milliseconds, and a VM's start needs only mmap and madvise.
     */
    private static final class Rare {
        static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, ADDRESS, LONG), CAPTURE);
        static final MethodHandle SYSCALL6 = downcall("syscall",
                FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG), CAPTURE,
                Linker.Option.firstVariadicArg(1));
    }

    private static final class Errors {
        static final MethodHandle STRERRORNAME = downcall("strerrorname_np", FunctionDescriptor.of(ADDRESS, INT));
        static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, INT));
    }

    private HostMemoryCalls() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /**
     * Anonymous private read-write memory, reserved lazily (MAP_NORESERVE): pages are only
     * backed when first touched, as a guest rarely touches all its RAM. The segment is not
     * tied to an arena; the caller munmaps it.
     */
    public static MemorySegment mmapAnonymous(long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (p.address() == MAP_FAILED) {
                throw failure("mmap " + ByteSizes.format(length), state);
            }
            return p.reinterpret(length);
        } catch (HostCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("mmap", t);
        }
    }

    public static void munmap(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) Rare.MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            if (r == -1) {
                throw failure("munmap 0x" + Long.toHexString(address) + " " + ByteSizes.format(length), state);
            }
        } catch (HostCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("munmap", t);
        }
    }

    /** madvise(2); {@code adviceName} (MADV_HUGEPAGE...) goes into the error message. */
    public static void madvise(MemorySegment range, int advice, String adviceName) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) MADVISE.invokeExact(state, range, range.byteSize(), advice);
            if (r == -1) {
                throw failure("madvise " + adviceName + " " + ByteSizes.format(range.byteSize()), state);
            }
        } catch (HostCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("madvise", t);
        }
    }

    /** mbind(2) with MPOL_BIND to the one host node {@code node} (0-63). */
    public static void bindToNode(MemorySegment range, int node) {
        if (node < 0 || node > 63) {
            throw new IllegalArgumentException("NUMA node must be 0-63: " + node);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment mask = arena.allocate(ValueLayout.JAVA_LONG);
            mask.set(ValueLayout.JAVA_LONG, 0, 1L << node);
            // maxnode is one more than the bits in the mask: the kernel drops the last bit.
            long r = (long) Rare.SYSCALL6.invokeExact(state, SYS_MBIND, range.address(), range.byteSize(),
                    (long) MPOL_BIND, mask.address(), 65L, 0L);
            if (r == -1) {
                throw failure("mbind " + ByteSizes.format(range.byteSize()) + " to node " + node, state);
            }
        } catch (HostCallException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailed("mbind", t);
        }
    }

    private static HostCallException failure(String call, MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        return new HostCallException(call, errno, errnoName(errno), describe(errno));
    }

    /** A downcall that throws is a linkage bug, not a failed call. */
    private static IllegalStateException downcallFailed(String call, Throwable t) {
        return new IllegalStateException(call + " downcall failed", t);
    }

    static String errnoName(int errno) {
        try {
            MemorySegment s = (MemorySegment) Errors.STRERRORNAME.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw downcallFailed("strerrorname_np", t);
        }
    }

    static String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) Errors.STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw downcallFailed("strerror", t);
        }
    }
}
