package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

import vmm.core.domain.DomainConsole;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.shell.internal.tty.TerminalKeys;
import vmm.shell.internal.tty.Tty;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.VirshCommand.Context;

/**
 * virsh's {@code console}: the guest's serial console on the session's terminal until Ctrl+]
 * (or the end of input, or the domain stopping).
 */
final class ConsoleCommand {
    private static final int ESCAPE = 0x1d; // ^]

    private ConsoleCommand() {
    }

    static VirshCommand command() {
        return new VirshCommand(new CommandSpec("console", Group.DOMAIN, "connect to the guest console",
                "Connect the virtual serial console for the guest", List.of(DOMAIN_OPTION)), ConsoleCommand::run);
    }

    private static void run(Args args, Context ctx) throws VirshError {
        attach(ctx, DomainCommands.domain(ctx, args));
    }

    /**
     * Connects this session to {@code d}'s console until Ctrl+], the end of input or the
     * domain stopping. On the VMM's own terminal (the interactive shell) the terminal is raw
     * meanwhile, as virsh sets it: keys reach the guest as typed, Ctrl+C and Ctrl+] included.
     */
    static void attach(Context ctx, DomainInfo d) throws VirshError {
        if (!d.active()) {
            throw new VirshError("The domain is not running");
        }
        String uuid = d.definition().uuid().toString();
        // The session's own stream: guest output is written from the machine's threads, for
        // which System.out is not this session's.
        PrintStream out = ctx.session() == null ? ctx.out() : ctx.session().getConsole();
        DomainConsole console;
        try {
            console = ctx.domains().openConsole(uuid, out);
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
        out.println("Connected to domain '" + d.name() + "'");
        out.println("Escape character is ^] (Ctrl + ])");
        out.flush();
        InputStream keyboard = ctx.session() == null ? InputStream.nullInputStream() : ctx.session().getKeyboard();
        // A jline session reads the local terminal; relayed sessions (the daemon's) get their
        // keys raw from the client, which set its own terminal.
        boolean jline = ctx.session() != null && ctx.session().get(".terminal") != null;
        boolean localTerminal = jline && Tty.stdinIsTerminal();
        TerminalKeys keys = TerminalKeys.of(keyboard, jline);
        try (console; Tty.Restore mode = localTerminal ? Tty.set(Tty.RAW) : () -> { }) {
            byte[] buf = new byte[256];
            long nextCheck = 0;
            while (true) {
                int n = keys.read(buf, 50);
                if (n < 0) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    if ((buf[i] & 0xff) == ESCAPE) {
                        console.send(buf, 0, i);
                        return;
                    }
                }
                if (n > 0) {
                    console.send(buf, 0, n);
                }
                if (System.nanoTime() > nextCheck) {
                    // Ends when the guest does, as virsh's console does.
                    if (ctx.domains().find(uuid).map(x -> !x.active()).orElse(true)) {
                        return;
                    }
                    nextCheck = System.nanoTime() + 200_000_000L;
                }
            }
        } catch (IOException e) {
            throw new VirshError("console input failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
