package vmm.dev.virtio.vhost;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.sys.Libc;

/**
 * Serves one {@link VirtioDevice} to another VMM over vhost-user: listens on a unix socket,
 * takes one frontend at a time (QEMU, user-mode Linux, cloud-hypervisor...), and when it
 * disconnects resets the device and waits for the next, as qemu-storage-daemon does.
 */
public final class VhostUserBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserBackend.class);

    private final VirtioDevice device;
    private final Path socket;
    private final String name;
    private final int listenFd;
    private final Thread acceptor;
    private volatile boolean closing;
    private volatile VhostUserSession session;

    private VhostUserBackend(VirtioDevice device, Path socket, String name, int listenFd) {
        this.device = device;
        this.socket = socket;
        this.name = name;
        this.listenFd = listenFd;
        this.acceptor = Thread.ofPlatform().daemon().name(name + "-accept").unstarted(this::acceptLoop);
    }

    /**
     * Creates the socket (replacing a stale one left by a dead process) and starts accepting.
     *
     * @throws IOException when the socket cannot be created, naming the call that failed
     */
    public static VhostUserBackend listen(VirtioDevice device, Path socket, String name) throws IOException {
        Files.deleteIfExists(socket);
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            Libc.bind(fd, Libc.sockaddrUnix(a, socket.toString()));
            Libc.listen(fd, 1);
        } catch (IOException e) {
            Libc.close(fd);
            throw new IOException(socket + ": " + e.getMessage(), e);
        }
        VhostUserBackend b = new VhostUserBackend(device, socket, name, fd);
        b.acceptor.start();
        LOG.info("{}: serving virtio device {} over vhost-user at {}", name, device.deviceId(), socket);
        return b;
    }

    public Path socket() {
        return socket;
    }

    /** The current frontend's session, or null when none is connected. */
    public VhostUserSession session() {
        return session;
    }

    private void acceptLoop() {
        while (!closing) {
            int conn;
            try {
                conn = Libc.accept(listenFd);
            } catch (IOException e) {
                if (!closing) {
                    LOG.error("{}: accept failed, no more frontends: {}", name, e.getMessage());
                }
                return;
            }
            LOG.info("{}: frontend connected", name);
            VhostUserSession s = new VhostUserSession(device, new UnixChannel(conn), name);
            session = s;
            s.run();
            session = null;
            LOG.info("{}: frontend disconnected", name);
        }
    }

    /** Stops accepting, disconnects the frontend, resets the device and removes the socket. */
    @Override
    public void close() throws IOException {
        closing = true;
        Libc.shutdown(listenFd);
        VhostUserSession s = session;
        if (s != null) {
            s.disconnect();
        }
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Libc.close(listenFd);
        Files.deleteIfExists(socket);
    }
}
