package vmm.shell.internal.virsh;

import java.io.PrintStream;

import org.apache.felix.service.command.CommandSession;

import vmm.core.block.BlockFormats;
import vmm.core.domain.DomainManager;

/** A virsh command: its description and what it does. */
public record VirshCommand(CommandSpec spec, Handler handler) {

    /** What a command runs with. */
    public record Context(DomainManager domains, BlockFormats formats, java.nio.file.Path stateDir,
            CommandSession session, PrintStream out, PrintStream err) {
        /** The session variable a client of the daemon sets to its working folder. */
        public static final String CLIENT_DIR = "VMM_CLIENT_DIR";

        /**
         * A file named on the command line: relative to the working folder of the {@code vmm}
         * that typed it (the daemon's own may be anywhere), as virsh's client makes paths absolute.
         */
        public java.nio.file.Path file(String name) {
            java.nio.file.Path p = java.nio.file.Path.of(name);
            Object dir = session == null ? null : session.get(CLIENT_DIR);
            return p.isAbsolute() || dir == null ? p.toAbsolutePath() : java.nio.file.Path.of(dir.toString()).resolve(p);
        }
    }

    @FunctionalInterface
    public interface Handler {
        void run(Args args, Context ctx) throws VirshError;
    }
}
