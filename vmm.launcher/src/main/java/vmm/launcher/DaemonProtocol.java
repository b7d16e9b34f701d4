package vmm.launcher;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The daemon's socket and its protocol. The socket is {@code STATE/run/vmm.sock} in a folder
 * only its user can open (0700, checked before every use). A client sends one request (the
 * commands and the session variables), the daemon answers with frames: stdout bytes, stderr
 * bytes, and last the exit status.
 */
final class DaemonProtocol {
    static final int MAGIC = 0x564d4d31; // "VMM1"
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int EXIT = 3;
    /** Client to daemon, after the request: typed input (an empty frame ends it). */
    static final int STDIN = 4;
    /** The request that stops the daemon. */
    static final String STOP = "\0stop";
    /** Client environment variables that commands use (edit's editor and its temporary folder). */
    static final List<String> RELAYED_ENV = List.of("EDITOR", "VISUAL", "TMPDIR");
    /** The session variable with the client's working folder (the shell's commands resolve files against it). */
    static final String CLIENT_DIR = "VMM_CLIENT_DIR";

    private DaemonProtocol() {
    }

    /** A request: commands run in order in one session, with these session variables. */
    record Request(List<String> commands, Map<String, String> variables) {
    }

    static Path dir(Path state) {
        return state.resolve("run");
    }

    static Path socket(Path state) {
        return dir(state).resolve("vmm.sock");
    }

    static Path log(Path state) {
        return state.resolve("logs").resolve("daemon.log");
    }

    /** Creates the socket folder 0700, or checks that an existing one is ours and private. */
    static void prepareDir(Path state) throws LaunchException {
        Path dir = dir(state);
        Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(owner));
            }
            checkPrivate(dir);
        } catch (IOException e) {
            throw new LaunchException("cannot prepare " + dir + ": " + e.getMessage());
        }
    }

    private static void checkPrivate(Path dir) throws IOException, LaunchException {
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new LaunchException(dir + " is not a plain folder; refusing to use it for the daemon's socket");
        }
        String me = System.getProperty("user.name");
        String ownerName = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!ownerName.equals(me) || perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new LaunchException(dir + " belongs to " + ownerName + " with permissions "
                    + PosixFilePermissions.toString(perms) + "; the daemon's folder must be the user's own, mode 0700");
        }
    }

    /** A connection to the daemon, or null when none answers. */
    static SocketChannel connect(Path state) {
        Path socket = socket(state);
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            return null;
        }
    }

    static void writeRequest(DataOutputStream out, Request r) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(r.commands().size());
        for (String c : r.commands()) {
            writeString(out, c);
        }
        out.writeInt(r.variables().size());
        for (Map.Entry<String, String> v : r.variables().entrySet()) {
            writeString(out, v.getKey());
            writeString(out, v.getValue());
        }
        out.flush();
    }

    static Request readRequest(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a vmm client");
        }
        int n = count(in.readInt());
        List<String> commands = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            commands.add(readString(in));
        }
        int m = count(in.readInt());
        Map<String, String> vars = new LinkedHashMap<>();
        for (int i = 0; i < m; i++) {
            vars.put(readString(in), readString(in));
        }
        return new Request(commands, vars);
    }

    private static int count(int n) throws IOException {
        if (n < 0 || n > 10_000) {
            throw new IOException("bad request: " + n + " entries");
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 16 << 20) {
            throw new IOException("bad request: a string of " + n + " bytes");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    /** An output stream whose writes go out as frames of {@code type}. */
    static OutputStream frames(DataOutputStream out, int type) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (out) {
                    out.writeByte(type);
                    out.writeInt(len);
                    out.write(b, off, len);
                    out.flush();
                }
            }
        };
    }

    static void writeExit(DataOutputStream out, int status) throws IOException {
        synchronized (out) {
            out.writeByte(EXIT);
            out.writeInt(4);
            out.writeInt(status);
            out.flush();
        }
    }

    /** Copies the answer's frames to {@code out}/{@code err}; returns the exit status. */
    static int readAnswer(DataInputStream in, OutputStream out, OutputStream err) throws IOException {
        while (true) {
            int type = in.readUnsignedByte();
            int len = in.readInt();
            if (len < 0 || len > 16 << 20) {
                throw new IOException("bad answer frame of " + len + " bytes");
            }
            if (type == EXIT) {
                return in.readInt();
            }
            byte[] data = in.readNBytes(len);
            (type == STDERR ? err : out).write(data);
            (type == STDERR ? err : out).flush();
        }
    }
}
