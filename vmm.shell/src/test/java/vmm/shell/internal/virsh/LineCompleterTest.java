package vmm.shell.internal.virsh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;

/** What the daemon answers the launcher's Tab key with. */
class LineCompleterTest {
    private final LineCompleter completer = new LineCompleter(List.of(
            new CommandSpec("dominfo", Group.MONITOR, "", "", List.of(Option.data("domain", ""))),
            new CommandSpec("domiflist", Group.MONITOR, "", "", List.of(Option.data("domain", ""), Option.flag("inactive", ""))),
            new CommandSpec("list", Group.MONITOR, "", "", List.of(Option.flag("all", ""))),
            new CommandSpec("help", Group.VIRSH, "", "", List.of(Option.optionalData("command", ""))),
            new CommandSpec("img:info", Group.IMAGE, "", "", List.of())),
            () -> List.of("web", "demo", "web2"));

    private final List<String> gogo = List.of("vmm:version", "vmm:__complete", "gogo:echo", "felix:lb");

    @Test
    void commandNamesWithAndWithoutTheirScope() {
        assertEquals(List.of("domiflist", "dominfo"), completer.complete("dom", gogo));
        assertEquals(List.of("vmm:version"), completer.complete("vmm:vers", gogo));
        assertEquals(List.of("echo", "exit"), completer.complete("e", gogo));
        assertEquals(List.of("felix:lb"), completer.complete("fe", gogo));
        assertEquals(List.of(), completer.complete("vmm:__", gogo), "hidden commands stay hidden");
    }

    @Test
    void domainNamesOptionsAndHelpTopics() {
        assertEquals(List.of("web", "web2"), completer.complete("dominfo we", gogo));
        assertEquals(List.of("demo", "web", "web2"), completer.complete("vmm:domiflist ", gogo));
        assertEquals(List.of("--domain", "--inactive"), completer.complete("domiflist --", gogo));
        assertEquals(List.of("--all"), completer.complete("list --a", gogo));
        assertEquals(List.of(), completer.complete("list ", gogo));
        assertEquals(List.of("list"), completer.complete("help li", gogo));
        assertEquals(List.of("demo"), completer.complete("list --all; dominfo d", gogo));
    }
}
