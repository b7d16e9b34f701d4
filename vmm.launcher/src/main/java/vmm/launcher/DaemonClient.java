package vmm.launcher;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The command side of the daemon: starts it on demand, relays commands to it and their output
 * and status back, stops it. Runs without the framework, so a relayed command starts fast.
 */
final class DaemonClient {
    private static final long START_WAIT_MS = 60_000;

    private final Path state;
    /** Standard input, shared by the line shell and console sessions. */
    private final Keyboard keyboard = new Keyboard(System.in, System.console() != null && System.console().isTerminal());

    DaemonClient(Path state) {
        this.state = state;
    }

    boolean alive() {
        SocketChannel ch = DaemonProtocol.connect(state);
        if (ch == null) {
            return false;
        }
        try {
            ch.close();
        } catch (IOException e) {
            // Connected once: it answers.
        }
        return true;
    }

    /** Runs {@code commands} in the daemon; its output goes to ours; returns its status. */
    int relay(List<String> commands) throws LaunchException {
        if (!ClientEdit.any(commands)) {
            return relay(commands, System.out, System.err);
        }
        // An edit's editor runs here, on the user's terminal; the commands around it go to the daemon.
        int status = 0;
        List<String> batch = new ArrayList<>();
        for (String c : commands) {
            String domain = ClientEdit.domainOf(c);
            if (domain == null) {
                batch.add(c);
                continue;
            }
            if (!batch.isEmpty()) {
                status = relay(batch, System.out, System.err);
                batch = new ArrayList<>();
            }
            status = new ClientEdit(this, keyboard, System.out, System.err).edit(domain);
        }
        return batch.isEmpty() ? status : relay(batch, System.out, System.err);
    }

    /** Runs {@code commands} in the daemon with its output to {@code stdout}/{@code stderr}; returns its status. */
    int relay(List<String> commands, java.io.OutputStream stdout, java.io.OutputStream stderr) throws LaunchException {
        DaemonProtocol.prepareDir(state);
        SocketChannel ch = DaemonProtocol.connect(state);
        if (ch == null) {
            throw new LaunchException("the daemon does not answer on " + DaemonProtocol.socket(state));
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (String name : DaemonProtocol.RELAYED_ENV) {
            String v = System.getenv(name);
            if (v != null) {
                vars.put(name, v);
            }
        }
        // Files named on the command line are relative to where this vmm runs, not the daemon.
        vars.put(DaemonProtocol.CLIENT_DIR, Path.of("").toAbsolutePath().toString());
        try (ch;
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
             DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch)))) {
            DaemonProtocol.writeRequest(out, new DaemonProtocol.Request(commands, vars));
            if (!interactiveInput(commands)) {
                return DaemonProtocol.readAnswer(in, stdout, stderr);
            }
            AtomicBoolean done = new AtomicBoolean();
            Thread keys = forwardInput(out, done);
            try {
                return DaemonProtocol.readAnswer(in, stdout, stderr);
            } finally {
                done.set(true);
                keys.join(2000);
            }
        } catch (IOException e) {
            throw new LaunchException("lost the daemon while it ran the commands: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted");
        }
    }

    /** Commands that read what the user types (virsh's console, start --console). */
    private static boolean interactiveInput(List<String> commands) {
        return commands.stream().anyMatch(c -> {
            List<String> words = List.of(c.strip().split("\\s+"));
            String first = words.get(0);
            return first.equals("console") || first.equals("vmm:console")
                    || List.of("start", "create", "vmm:start", "vmm:create").contains(first) && words.contains("--console");
        });
    }

    /**
     * Sends what is typed here to the daemon's session until Ctrl+] (sent too: the session
     * detaches on it), the end of input, or {@code done} (the command ended). On a terminal the
     * keys go raw meanwhile (no echo, no line editing, Ctrl+] arrives as a byte), as virsh's
     * console sets them. Keys it does not send stay for the next reader.
     */
    private Thread forwardInput(DataOutputStream out, AtomicBoolean done) {
        boolean tty = System.console() != null && System.console().isTerminal();
        String saved = tty ? stty("-g") : null;
        Thread restore = null;
        if (saved != null) {
            String mode = saved.strip();
            restore = new Thread(() -> stty(mode), "vmm-tty-restore");
            Runtime.getRuntime().addShutdownHook(restore);
            stty("raw -echo");
        }
        Thread hook = restore;
        return Thread.ofPlatform().name("vmm-console-keys").daemon().start(() -> {
            try {
                while (!done.get()) {
                    byte[] b = keyboard.next(50);
                    if (b == null) {
                        continue;
                    }
                    if (done.get()) {
                        keyboard.unread(b, 0);
                        return;
                    }
                    int escape = indexOf(b, b.length, (byte) 0x1d);
                    int n = escape >= 0 ? escape + 1 : b.length;
                    synchronized (out) {
                        out.writeByte(DaemonProtocol.STDIN);
                        out.writeInt(n);
                        out.write(b, 0, n);
                        out.flush();
                    }
                    if (b == Keyboard.END || escape >= 0) {
                        keyboard.unread(b, n);
                        return;
                    }
                }
            } catch (IOException e) {
                // The daemon ended the command; nothing more to send.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (hook != null) {
                    hook.run();
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
            }
        });
    }

    private static int indexOf(byte[] b, int n, byte value) {
        for (int i = 0; i < n; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** Runs stty on the terminal; its output, or null (said on stderr) when it failed. */
    static String stty(String args) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty").redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            System.err.println("vmm: cannot set the terminal mode: " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Starts a daemon for the state folder (detached, logging to STATE/logs) and waits until it answers. */
    void spawn(Path dist) throws LaunchException, InterruptedException {
        DaemonProtocol.prepareDir(state);
        List<String> cmd = new ArrayList<>();
        // A session of its own: the terminal's Ctrl-C and hang-up reach the shell, not the
        // daemon and its domains.
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                cmd.add(setsid);
                break;
            }
        }
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-jar", dist.resolve("vmm.launcher.jar").toString(), "--state", state.toString(), "--daemon"));
        Path log = DaemonProtocol.log(state);
        Process daemon;
        try {
            Files.createDirectories(log.getParent());
            daemon = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new LaunchException("cannot start the daemon: " + e.getMessage());
        }
        long deadline = System.currentTimeMillis() + START_WAIT_MS;
        while (!alive()) {
            if (!daemon.isAlive()) {
                throw new LaunchException("the daemon exited with status " + daemon.exitValue()
                        + " before it answered on " + DaemonProtocol.socket(state) + lastLines(log));
            }
            if (System.currentTimeMillis() > deadline) {
                throw new LaunchException("the daemon did not answer within " + START_WAIT_MS / 1000 + " s; see " + log);
            }
            Thread.sleep(50);
        }
    }

    /** The end of the daemon's log, which says why it did not start. */
    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> tail = lines.subList(Math.max(0, lines.size() - 8), lines.size());
            return tail.isEmpty() ? "; " + log + " is empty" : "; the end of " + log + ":\n  " + String.join("\n  ", tail);
        } catch (IOException e) {
            return "; cannot read " + log + ": " + e.getMessage();
        }
    }

    int stop() throws LaunchException {
        if (!alive()) {
            System.out.println("vmm: no daemon runs for " + state);
            return 0;
        }
        relay(List.of(DaemonProtocol.STOP));
        long deadline = System.currentTimeMillis() + 30_000;
        while (Files.exists(DaemonProtocol.socket(state)) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        System.out.println("vmm: daemon stopped");
        return 0;
    }

    /** The commands that leave the interactive shell (the daemon and its domains run on). */
    private static final List<String> LEAVE = List.of("quit", "exit", "vmm:quit", "gogo:exit");

    /**
     * The interactive shell on the daemon: the banner, then {@code vmm # } lines. On a terminal
     * the lines are edited here ({@link LineEditor}: history, Tab completion asked of the daemon)
     * with the terminal in character mode, and each command runs with the terminal as it was;
     * on a pipe, plain lines.
     */
    int repl() throws LaunchException {
        relay(List.of("vmm:__banner"));
        boolean tty = System.console() != null && System.console().isTerminal();
        String saved = tty ? stty("-g") : null;
        LineEditor editor = null;
        Thread restore = null;
        if (saved != null) {
            String mode = saved.strip();
            editor = new LineEditor(keyboard, System.out, this::complete, state.resolve("history"));
            restore = new Thread(() -> stty(mode), "vmm-tty-restore");
            Runtime.getRuntime().addShutdownHook(restore);
        }
        int status = 0;
        try {
            while (true) {
                String line;
                try {
                    if (editor != null) {
                        stty("-icanon -echo -isig -ixon min 1 time 0");
                        try {
                            line = editor.readLine("vmm # ");
                        } finally {
                            stty(saved.strip());
                        }
                    } else {
                        System.out.print("vmm # ");
                        System.out.flush();
                        line = keyboard.readLine();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LaunchException("interrupted");
                }
                if (line == null || LEAVE.contains(line.strip())) {
                    if (editor == null) {
                        System.out.println();
                    }
                    return status;
                }
                if (!line.isBlank()) {
                    status = relay(List.of(line));
                }
            }
        } finally {
            if (restore != null) {
                Runtime.getRuntime().removeShutdownHook(restore);
            }
        }
    }

    /** The daemon's completions for the text before the cursor; none when it cannot say. */
    private List<String> complete(String beforeCursor) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        String arg = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(beforeCursor.getBytes(StandardCharsets.UTF_8));
        try {
            if (relay(List.of("vmm:__complete " + (arg.isEmpty() ? "''" : arg)), out, java.io.OutputStream.nullOutputStream()) != 0) {
                return List.of();
            }
        } catch (LaunchException e) {
            return List.of();
        }
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    }
}
