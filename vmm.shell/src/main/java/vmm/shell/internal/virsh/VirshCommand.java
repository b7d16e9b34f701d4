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
    }

    @FunctionalInterface
    public interface Handler {
        void run(Args args, Context ctx) throws VirshError;
    }
}
