package vmm.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * virsh's {@code edit} for a client of the daemon: as virsh, the editor runs where the user's
 * terminal is (here), not in the daemon, which only hands out the definition and defines the
 * edited file ({@code vmm:__define-edited}). The messages are those of the shell's own edit.
 */
final class ClientEdit {
    private static final Pattern NAME = Pattern.compile("<name>([^<]*)</name>");
    /** Lines with more than one command or shell syntax go to the daemon as they are. */
    private static final Pattern SPECIAL = Pattern.compile("[;|&$`(){}<>\\\\\"]");

    private final DaemonClient client;
    private final Keyboard keyboard;
    private final PrintStream out;
    private final PrintStream err;

    ClientEdit(DaemonClient client, Keyboard keyboard, PrintStream out, PrintStream err) {
        this.client = client;
        this.keyboard = keyboard;
        this.out = out;
        this.err = err;
    }

    /** The domain (as typed) that the line edits, or null when it is no plain {@code edit DOMAIN}. */
    static String domainOf(String line) {
        if (SPECIAL.matcher(line).find()) {
            return null;
        }
        List<String> w = List.of(line.strip().split("\\s+"));
        if (!w.get(0).equals("edit") && !w.get(0).equals("vmm:edit")) {
            return null;
        }
        if (w.size() == 2 && !w.get(1).startsWith("-")) {
            return w.get(1);
        }
        if (w.size() == 3 && w.get(1).equals("--domain")) {
            return w.get(2);
        }
        return null;
    }

    /** Edits the domain; returns the command's status. */
    int edit(String domain) throws LaunchException {
        ByteArrayOutputStream dump = new ByteArrayOutputStream();
        int status = client.relay(List.of("dumpxml --inactive " + domain), dump, err);
        if (status != 0) {
            return status;
        }
        String before = dump.toString(StandardCharsets.UTF_8);
        // The shell ends each command's output with a blank line; it is not part of the XML.
        if (before.endsWith("\n\n")) {
            before = before.substring(0, before.length() - 1);
        }
        Matcher m = NAME.matcher(before);
        String name = m.find() ? unescape(m.group(1)) : domain;
        Path tmp;
        try {
            String dir = System.getenv("TMPDIR");
            tmp = dir == null || dir.isBlank() ? Files.createTempFile("virsh", ".xml")
                    : Files.createTempFile(Path.of(dir), "virsh", ".xml");
            Files.writeString(tmp, before, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fail("cannot create a temporary file: " + e.getMessage());
        }
        boolean keep = false;
        try {
            String problem = runEditor(tmp);
            if (problem != null) {
                return fail(problem);
            }
            String after;
            try {
                after = Files.readString(tmp, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return fail("cannot read the edited file " + tmp + ": " + e.getMessage());
            }
            if (after.equals(before)) {
                out.println("Domain '" + name + "' XML configuration not changed.");
                out.println();
                out.flush();
                return 0;
            }
            status = client.relay(List.of("vmm:__define-edited " + base64(tmp.toAbsolutePath().toString()) + " " + base64(name)),
                    out, err);
            // The daemon named the kept file in its error: the edit is not lost.
            keep = status != 0;
            return status;
        } finally {
            if (!keep) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    err.println("warning: cannot remove " + tmp + ": " + e.getMessage());
                }
            }
        }
    }

    private int fail(String message) {
        err.println("error: " + message);
        err.flush();
        out.println();
        out.flush();
        return 1;
    }

    /** Runs the editor on the terminal; null when it succeeded, else why not. */
    private String runEditor(Path file) {
        String editor = System.getenv("VISUAL");
        if (editor == null || editor.isBlank()) {
            editor = System.getenv("EDITOR");
        }
        if (editor == null || editor.isBlank()) {
            editor = "vi";
        }
        // As virsh: the variable may hold options ("emacs -nw"), so a shell runs it.
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", editor + " '" + file.toString().replace("'", "'\\''") + "'")
                .inheritIO();
        out.flush();
        err.flush();
        // The editor reads the terminal alone meanwhile: the shell's reader of it pauses.
        keyboard.pause();
        try {
            int status = pb.start().waitFor();
            return status == 0 ? null : editor + " " + file + ": command exited with status " + status;
        } catch (IOException e) {
            return "cannot run the editor '" + editor + "': " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while the editor ran";
        } finally {
            keyboard.resume();
        }
    }

    private static String base64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    }

    /** Whether any of the commands is an edit this client does itself. */
    static boolean any(List<String> commands) {
        return commands.stream().anyMatch(c -> domainOf(c) != null);
    }
}
