package vmm.launcher;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;

/**
 * The daemon's side of the socket: each client's commands run in a Gogo session of this
 * long-running framework, their output and exit status go back to the client. The daemon
 * stops on request, or when its socket disappears (its state folder was removed).
 */
final class DaemonServer {
    private static final System.Logger LOG = System.getLogger(DaemonServer.class.getName());

    private final Framework framework;
    private final Path state;
    private final CommandRunner runner;

    DaemonServer(Framework framework, Path state) {
        this.framework = framework;
        this.state = state;
        BundleContext ctx = framework.getBundleContext();
        this.runner = new CommandRunner(ctx);
    }

    /** Binds the socket and serves clients on background threads. */
    void start() throws LaunchException {
        DaemonProtocol.prepareDir(state);
        Path socket = DaemonProtocol.socket(state);
        ServerSocketChannel server;
        try {
            // Only reached when no daemon answered on it: what is left is a dead daemon's.
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new LaunchException("cannot listen on " + socket + ": " + e.getMessage());
        }
        Thread.ofPlatform().name("vmm-daemon-accept").daemon().start(() -> accept(server));
        Thread.ofPlatform().name("vmm-daemon-watch").daemon().start(() -> watch(socket));
    }

    private void accept(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("vmm-daemon-client").start(() -> serve(client));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "daemon socket closed: " + e.getMessage());
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client;
             DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(client)));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(client)))) {
            DaemonProtocol.Request request = DaemonProtocol.readRequest(in);
            if (request.commands().equals(List.of(DaemonProtocol.STOP))) {
                DaemonProtocol.writeExit(out, 0);
                stop("stop requested by a client");
                return;
            }
            int status;
            try {
                status = runner.run(request.commands(), request.variables(), ClientInput.from(in),
                        DaemonProtocol.frames(out, DaemonProtocol.STDOUT), DaemonProtocol.frames(out, DaemonProtocol.STDERR));
            } catch (LaunchException e) {
                DaemonProtocol.frames(out, DaemonProtocol.STDERR).write(("vmm: " + e.getMessage() + "\n").getBytes());
                status = 1;
            }
            DaemonProtocol.writeExit(out, status);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "a daemon client went away: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the daemon when its socket is removed (the state folder deleted, or a new daemon took over). */
    private void watch(Path socket) {
        try {
            while (Files.exists(socket)) {
                Thread.sleep(1000);
            }
            stop("its socket " + socket + " was removed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stop(String why) {
        LOG.log(System.Logger.Level.INFO, "daemon stopping: " + why);
        try {
            Files.deleteIfExists(DaemonProtocol.socket(state));
            framework.stop();
        } catch (IOException | BundleException e) {
            LOG.log(System.Logger.Level.ERROR, "daemon stop failed: " + e.getMessage());
        }
    }
}
