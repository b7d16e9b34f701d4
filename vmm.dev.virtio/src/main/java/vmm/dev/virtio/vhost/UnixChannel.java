package vmm.dev.virtio.vhost;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import vmm.dev.virtio.sys.Libc;

/**
 * A connected unix stream socket carrying vhost-user messages, with file descriptors passed
 * as SCM_RIGHTS ancillary data (recvmsg/sendmsg through FFM: Java's own channels cannot).
 */
final class UnixChannel implements AutoCloseable {
    /** More payload than any request of the protocol needs: a peer sending it is broken. */
    static final int MAX_PAYLOAD = 1 << 16;
    private static final int MAX_FDS = 32;
    private static final int CONTROL_LEN = 16 + 4 * MAX_FDS;

    private final int fd;
    private volatile boolean closed;

    UnixChannel(int fd) {
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    /** Connects to a listening socket (the tests' frontends, the backend channel's peer). */
    static UnixChannel connect(String path) throws IOException {
        int s = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            Libc.connect(s, Libc.sockaddrUnix(a, path));
        } catch (IOException e) {
            Libc.close(s);
            throw e;
        }
        return new UnixChannel(s);
    }

    /** The next message, or null at end of stream. */
    VhostUserMessage receive() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment header = a.allocate(VhostUserMessage.HEADER);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ValueLayout.ADDRESS, 0, header);
            iov.set(ValueLayout.JAVA_LONG, 8, VhostUserMessage.HEADER);
            MemorySegment control = a.allocate(CONTROL_LEN, 8);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, CONTROL_LEN);
            long n = Libc.recvmsg(fd, msg, Libc.MSG_CMSG_CLOEXEC);
            if (n == 0) {
                return null;
            }
            int[] fds = parseFds(control, msg.get(ValueLayout.JAVA_LONG, 40));
            if ((msg.get(ValueLayout.JAVA_INT, 48) & 0x8) != 0) {  // MSG_CTRUNC
                closeAll(fds);
                throw new VhostUserProtocolException("too many file descriptors in one message");
            }
            if (n < VhostUserMessage.HEADER) {
                readFully(header.asSlice(n), VhostUserMessage.HEADER - n);
            }
            ByteBuffer h = header.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int request = h.getInt(0);
            int flags = h.getInt(4);
            int size = h.getInt(8);
            if (size < 0 || size > MAX_PAYLOAD) {
                closeAll(fds);
                throw new VhostUserProtocolException(VhostUserMessage.name(request) + " with a payload of "
                        + Integer.toUnsignedString(size) + " bytes (at most " + MAX_PAYLOAD + ")");
            }
            if ((flags & 3) != VhostUserMessage.VERSION) {
                closeAll(fds);
                throw new VhostUserProtocolException("message version " + (flags & 3) + ", expected 1");
            }
            byte[] payload = new byte[size];
            if (size > 0) {
                MemorySegment body = a.allocate(size);
                readFully(body, size);
                MemorySegment.copy(body, ValueLayout.JAVA_BYTE, 0, payload, 0, size);
            }
            return new VhostUserMessage(request, flags, payload, fds);
        }
    }

    private static int[] parseFds(MemorySegment control, long controlLen) {
        int[] fds = new int[0];
        long off = 0;
        while (off + 16 <= controlLen) {
            long len = control.get(ValueLayout.JAVA_LONG, off);
            int level = control.get(ValueLayout.JAVA_INT, off + 8);
            int type = control.get(ValueLayout.JAVA_INT, off + 12);
            if (len < 16 || off + len > controlLen) {
                break;
            }
            if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS) {
                int count = (int) ((len - 16) / 4);
                int base = fds.length;
                fds = Arrays.copyOf(fds, base + count);
                for (int i = 0; i < count; i++) {
                    fds[base + i] = control.get(ValueLayout.JAVA_INT, off + 16 + 4L * i);
                }
            }
            off += (len + 7) & ~7L;
        }
        return fds;
    }

    private void readFully(MemorySegment dst, long len) throws IOException {
        long done = 0;
        while (done < len) {
            long n = Libc.read(fd, dst.asSlice(done), len - done);
            if (n <= 0) {
                throw new VhostUserProtocolException("connection closed in the middle of a message");
            }
            done += n;
        }
    }

    /** Sends a message with optional file descriptors. */
    void send(int request, int flags, byte[] payload, int... fds) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            int total = VhostUserMessage.HEADER + payload.length;
            MemorySegment buf = a.allocate(total);
            ByteBuffer b = buf.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(request).putInt(flags).putInt(payload.length).put(payload);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ValueLayout.ADDRESS, 0, buf);
            iov.set(ValueLayout.JAVA_LONG, 8, total);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            if (fds.length > 0) {
                long clen = 16 + 4L * fds.length;
                MemorySegment control = a.allocate((clen + 7) & ~7L, 8);
                control.set(ValueLayout.JAVA_LONG, 0, clen);
                control.set(ValueLayout.JAVA_INT, 8, Libc.SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, Libc.SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(ValueLayout.JAVA_INT, 16 + 4L * i, fds[i]);
                }
                msg.set(ValueLayout.ADDRESS, 32, control);
                msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
            }
            long sent = Libc.sendmsg(fd, msg, Libc.MSG_NOSIGNAL);
            while (sent < total) {
                long n = Libc.write(fd, buf.asSlice(sent), total - sent);
                if (n <= 0) {
                    throw new IOException("vhost-user peer stopped reading");
                }
                sent += n;
            }
        }
    }

    static void closeAll(int[] fds) {
        for (int f : fds) {
            try {
                Libc.close(f);
            } catch (IOException e) {
                // Already failing: the descriptor is gone either way; say so for diagnosis.
                org.slf4j.LoggerFactory.getLogger(UnixChannel.class).debug("closing fd {}: {}", f, e.getMessage());
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
