package vmm.dev.virtio.sys;

import java.io.IOException;
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
 * The libc calls the vhost-user backend and the balloon are made with, through FFM. Each one
 * is checked: a failure becomes an {@link IOException} naming the call, the errno and its text.
 * EINTR is retried where the call is restartable.
 */
// Native access is this class's purpose; the JVM runs with --enable-native-access.
@SuppressWarnings("restricted")
public final class Libc {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_REMOVE = 9;
    public static final short POLLIN = 1;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(INT, INT, ADDR, INT));
    private static final MethodHandle CONNECT = downcall("connect", FunctionDescriptor.of(INT, INT, ADDR, INT));
    private static final MethodHandle LISTEN = downcall("listen", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle ACCEPT4 = downcall("accept4", FunctionDescriptor.of(INT, INT, ADDR, ADDR, INT));
    private static final MethodHandle RECVMSG = downcall("recvmsg", FunctionDescriptor.of(LONG, INT, ADDR, INT));
    private static final MethodHandle SENDMSG = downcall("sendmsg", FunctionDescriptor.of(LONG, INT, ADDR, INT));
    private static final MethodHandle READ = downcall("read", FunctionDescriptor.of(LONG, INT, ADDR, LONG));
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(LONG, INT, ADDR, LONG));
    private static final MethodHandle SHUTDOWN = downcall("shutdown", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(INT, ADDR, LONG, INT));
    private static final MethodHandle EVENTFD = downcall("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle MMAP = downcall("mmap", FunctionDescriptor.of(ADDR, ADDR, LONG, INT, INT, INT, LONG));
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, ADDR, LONG));
    private static final MethodHandle MADVISE = downcall("madvise", FunctionDescriptor.of(INT, ADDR, LONG, INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strerror"),
            FunctionDescriptor.of(ADDR, INT));

    /** One errno slot per thread: these calls sit on the I/O path, so no arena per call. */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(CALL_STATE));

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, CAPTURE);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** The error of a failed call: "CALL: strerror (errno N)". */
    public static IOException failure(String call, int errno) {
        String text;
        try {
            text = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            text = "error";
        }
        return new NativeCallException(call + ": " + text + " (errno " + errno + ")", errno);
    }

    private static IOException unexpected(String call, Throwable t) {
        return new IOException(call + ": native call failed: " + t, t);
    }

    public static int socket(int domain, int type, int protocol) throws IOException {
        MemorySegment st = STATE.get();
        try {
            int fd = (int) SOCKET.invokeExact(st, domain, type, protocol);
            if (fd < 0) {
                throw failure("socket", errno(st));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("socket", t);
        }
    }

    /** A sockaddr_un for {@code path}; the path must fit in its 108 bytes. */
    public static MemorySegment sockaddrUnix(Arena arena, String path) throws IOException {
        byte[] bytes = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length >= 108) {
            throw new IOException("unix socket path too long (" + bytes.length + " bytes, at most 107): " + path);
        }
        MemorySegment sa = arena.allocate(110);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, sa, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return sa;
    }

    public static void bind(int fd, MemorySegment sockaddr) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) BIND.invokeExact(st, fd, sockaddr, (int) sockaddr.byteSize()) < 0) {
                throw failure("bind", errno(st));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("bind", t);
        }
    }

    public static void connect(int fd, MemorySegment sockaddr) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) CONNECT.invokeExact(st, fd, sockaddr, (int) sockaddr.byteSize()) < 0) {
                throw failure("connect", errno(st));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("connect", t);
        }
    }

    public static void listen(int fd, int backlog) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) LISTEN.invokeExact(st, fd, backlog) < 0) {
                throw failure("listen", errno(st));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("listen", t);
        }
    }

    public static int accept(int fd) throws IOException {
        MemorySegment st = STATE.get();
        try {
            while (true) {
                int c = (int) ACCEPT4.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (c >= 0) {
                    return c;
                }
                int e = errno(st);
                if (e != EINTR) {
                    throw failure("accept4", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("accept4", t);
        }
    }

    public static long recvmsg(int fd, MemorySegment msghdr, int flags) throws IOException {
        MemorySegment st = STATE.get();
        try {
            while (true) {
                long n = (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
                if (n >= 0) {
                    return n;
                }
                int e = errno(st);
                if (e != EINTR) {
                    throw failure("recvmsg", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("recvmsg", t);
        }
    }

    public static long sendmsg(int fd, MemorySegment msghdr, int flags) throws IOException {
        MemorySegment st = STATE.get();
        try {
            while (true) {
                long n = (long) SENDMSG.invokeExact(st, fd, msghdr, flags);
                if (n >= 0) {
                    return n;
                }
                int e = errno(st);
                if (e != EINTR) {
                    throw failure("sendmsg", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("sendmsg", t);
        }
    }

    /** read(2); returns -1 for EAGAIN on a non-blocking descriptor. */
    public static long read(int fd, MemorySegment buf, long len) throws IOException {
        MemorySegment st = STATE.get();
        try {
            while (true) {
                long n = (long) READ.invokeExact(st, fd, buf, len);
                if (n >= 0) {
                    return n;
                }
                int e = errno(st);
                if (e == EAGAIN) {
                    return -1;
                }
                if (e != EINTR) {
                    throw failure("read", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("read", t);
        }
    }

    /** write(2); returns -1 for EAGAIN on a non-blocking descriptor. */
    public static long write(int fd, MemorySegment buf, long len) throws IOException {
        MemorySegment st = STATE.get();
        try {
            while (true) {
                long n = (long) WRITE.invokeExact(st, fd, buf, len);
                if (n >= 0) {
                    return n;
                }
                int e = errno(st);
                if (e == EAGAIN) {
                    return -1;
                }
                if (e != EINTR) {
                    throw failure("write", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("write", t);
        }
    }

    /** shutdown(2) both directions: wakes a thread blocked in accept or recvmsg on {@code fd}. */
    public static void shutdown(int fd) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) SHUTDOWN.invokeExact(st, fd, 2) < 0) {
                int e = errno(st);
                if (e != 107) {  // ENOTCONN: nothing to shut down
                    throw failure("shutdown", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("shutdown", t);
        }
    }

    public static void close(int fd) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) CLOSE.invokeExact(st, fd) < 0) {
                throw failure("close", errno(st));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("close", t);
        }
    }

    /** poll(2) over {@code n} pollfd structs; returns how many have events (0 on timeout). */
    public static int poll(MemorySegment fds, long n, int timeoutMillis) throws IOException {
        MemorySegment st = STATE.get();
        try {
            while (true) {
                int r = (int) POLL.invokeExact(st, fds, n, timeoutMillis);
                if (r >= 0) {
                    return r;
                }
                int e = errno(st);
                if (e != EINTR) {
                    throw failure("poll", e);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("poll", t);
        }
    }

    public static int eventfd(int initval, int flags) throws IOException {
        MemorySegment st = STATE.get();
        try {
            int fd = (int) EVENTFD.invokeExact(st, initval, flags);
            if (fd < 0) {
                throw failure("eventfd", errno(st));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("eventfd", t);
        }
    }

    /** mmap(2) of {@code length} bytes of {@code fd} from offset 0, shared, read-write. */
    public static MemorySegment mmapShared(int fd, long length, long offset) throws IOException {
        MemorySegment st = STATE.get();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
            if (p.address() == -1L) {
                throw failure("mmap of " + length + " bytes (fd " + fd + ")", errno(st));
            }
            return p.reinterpret(length);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("mmap", t);
        }
    }

    public static void munmap(long address, long length) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) MUNMAP.invokeExact(st, MemorySegment.ofAddress(address), length) < 0) {
                throw failure("munmap", errno(st));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("munmap", t);
        }
    }

    public static void madvise(long address, long length, int advice, String name) throws IOException {
        MemorySegment st = STATE.get();
        try {
            if ((int) MADVISE.invokeExact(st, MemorySegment.ofAddress(address), length, advice) < 0) {
                throw failure("madvise(" + name + ") of " + length + " bytes", errno(st));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("madvise", t);
        }
    }
}
