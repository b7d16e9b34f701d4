package vmm.shell.internal.virsh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.shell.internal.virsh.VirshCommand.Context;

/**
 * virsh's {@code edit}: the stored definition in a temporary file, {@code $VISUAL} or
 * {@code $EDITOR} (else vi) on it, then the result defined. Invalid XML leaves the old
 * definition in place and keeps the edited file, so the edit is not lost.
 */
final class DomainEdit {

    private DomainEdit() {
    }

    static void edit(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        String uuid = d.definition().uuid().toString();
        String before;
        try {
            before = ctx.domains().dumpXml(uuid, true);
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
        Path tmp;
        try {
            // As virsh: in $TMPDIR when set.
            String dir = env(ctx, "TMPDIR");
            tmp = dir == null || dir.isBlank() ? Files.createTempFile("virsh", ".xml")
                    : Files.createTempFile(Path.of(dir), "virsh", ".xml");
            Files.writeString(tmp, before, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VirshError("cannot create a temporary file: " + e.getMessage());
        }
        boolean keep = false;
        try {
            runEditor(ctx, tmp);
            String after = Files.readString(tmp, StandardCharsets.UTF_8);
            if (after.equals(before)) {
                ctx.out().println("Domain '" + d.name() + "' XML configuration not changed.");
                return;
            }
            try {
                defineEdited(ctx, after, d.name(), tmp);
            } catch (VirshError e) {
                keep = true;
                throw e;
            }
        } catch (IOException e) {
            throw new VirshError("cannot read the edited file " + tmp + ": " + e.getMessage());
        } finally {
            if (!keep) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    ctx.err().println("warning: cannot remove " + tmp + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * Defines the edited XML (the daemon's half of an edit whose editor ran in the client, where
     * the user's terminal is); an invalid one leaves the definition of {@code name} as it was
     * and names the kept file {@code tmp}.
     */
    static void defineEdited(Context ctx, String after, String name, Path tmp) throws VirshError {
        try {
            DomainInfo edited = ctx.domains().define(after);
            DomainCommands.warnings(ctx, edited.definition());
            ctx.out().println("Domain '" + edited.name() + "' XML configuration edited.");
        } catch (DomainException e) {
            throw new VirshError(e.getMessage(), "Domain '" + name
                    + "' XML configuration not changed; the edited XML is kept in " + tmp);
        }
    }

    /**
     * A variable of the user's environment: the session's (the daemon gets the client's
     * EDITOR, VISUAL and TMPDIR so), else this process's.
     */
    private static String env(Context ctx, String name) {
        Object v = ctx.session() == null ? null : ctx.session().get(name);
        return v != null ? v.toString() : System.getenv(name);
    }

    private static void runEditor(Context ctx, Path file) throws VirshError {
        String editor = env(ctx, "VISUAL");
        if (editor == null || editor.isBlank()) {
            editor = env(ctx, "EDITOR");
        }
        if (editor == null || editor.isBlank()) {
            editor = "vi";
        }
        // As virsh: the variable may hold options ("emacs -nw"), so a shell runs it.
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", editor + " '" + file.toString().replace("'", "'\\''") + "'")
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            int status = pb.start().waitFor();
            if (status != 0) {
                throw new VirshError("" + editor + " " + file + ": command exited with status " + status);
            }
        } catch (IOException e) {
            throw new VirshError("cannot run the editor '" + editor + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VirshError("interrupted while the editor ran");
        }
    }
}
