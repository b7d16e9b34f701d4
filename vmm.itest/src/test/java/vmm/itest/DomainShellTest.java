package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virsh's domain commands in a real shell session (the launcher as a process, the commands
 * run by its daemon as they are once a domain has been started): the output is
 * compared with what virsh 9.x prints, character for character (tables as vsh-table.c draws
 * them, dominfo's "%-15s %s" fields, the blank line virsh prints after every command).
 */
class DomainShellTest {
    private static final String UUID = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0";

    @TempDir
    Path state;
    private Path xml;

    @BeforeEach
    void demoXmlAndDaemon() throws Exception {
        try (InputStream in = DomainShellTest.class.getResourceAsStream("demo.xml")) {
            xml = state.resolve("demo.xml");
            Files.write(xml, in.readAllBytes());
        }
        // Commands then run in the daemon: one framework start per test, not one per command.
        assertEquals(0, VmmProcess.run(state, "daemon", "start").status());
    }

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            assertEquals(0, VmmProcess.run(state, "daemon", "stop").status());
        }
    }

    private static final String DOMINFO = """
            Id:             -
            Name:           demo
            UUID:           4dea22b3-1d52-d8f3-2516-782e98ab3fa0
            OS Type:        hvm
            State:          shut off
            CPU(s):         %d
            Max memory:     524288 KiB
            Used memory:    262144 KiB
            Persistent:     yes
            Autostart:      %s
            Managed save:   no
            Security model: none
            Security DOI:   0

            """;

    @Test
    void definitionAndMonitoringCommandsPrintWhatVirshPrints() throws Exception {
        var r = VmmProcess.run(state, "-c", "define " + xml, "-c", "list --all", "-c", "list", "-c", "dominfo demo",
                "-c", "domstate demo", "-c", "domstate --reason demo", "-c", "domname " + UUID, "-c", "domuuid demo",
                "-c", "domid demo", "-c", "domblklist demo", "-c", "domblklist --details demo", "-c", "domiflist demo",
                "-c", "autostart demo", "-c", "list --all --autostart --name", "-c", "dominfo --domain " + UUID);
        assertEquals(0, r.status(), r.err());
        String expected = "Domain 'demo' defined from " + xml + "\n\n"
                + """
                 Id   Name   State
                -----------------------
                 -    demo   shut off

                 Id   Name   State
                --------------------

                """
                + DOMINFO.formatted(2, "disable")
                + """
                shut off

                shut off (unknown)

                demo

                4dea22b3-1d52-d8f3-2516-782e98ab3fa0

                -

                 Target   Source
                ----------------------------------------------
                 vda      /var/lib/libvirt/images/demo.qcow2
                 hdc      -

                 Type   Device   Target   Source
                --------------------------------------------------------------
                 file   disk     vda      /var/lib/libvirt/images/demo.qcow2
                 file   cdrom    hdc      -

                 Interface   Type      Source    Model    MAC
                -------------------------------------------------------------
                 -           network   default   virtio   52:54:00:4d:9e:01

                Domain 'demo' marked as autostarted

                demo

                """
                + DOMINFO.formatted(2, "enable");
        assertEquals(expected, r.out());
        assertEquals("""
                warning: /domain/clock: not supported yet, kept as is
                warning: /domain/devices/graphics: not supported yet, kept as is
                warning: /domain/qemu:commandline: not supported yet, kept as is
                """, r.err());
        assertTrue(Files.isSymbolicLink(state.resolve("domains/autostart/demo.xml")));

        // The next VMM finds the definition and its autostart flag.
        assertEquals(0, VmmProcess.run(state, "daemon", "stop").status());
        var again = VmmProcess.run(state, "-c", "list --all --autostart", "-c", "autostart --disable demo",
                "-c", "list --all --no-autostart --uuid --name");
        assertEquals(0, again.status(), again.err());
        assertEquals("""
                 Id   Name   State
                -----------------------
                 -    demo   shut off

                Domain 'demo' unmarked as autostarted

                4dea22b3-1d52-d8f3-2516-782e98ab3fa0 demo

                """, again.out());
        assertFalse(Files.exists(state.resolve("domains/autostart/demo.xml")));
    }

    @Test
    void vcpuinfoAndDomstatsOfAShutOffDomain() throws Exception {
        var r = VmmProcess.run(state, "-c", "define " + xml, "-c", "vcpuinfo demo", "-c", "domstats demo",
                "-c", "domstats --balloon --vcpu demo", "-c", "vcpuinfo nope");
        assertEquals(1, r.status());
        String y = "y".repeat(Runtime.getRuntime().availableProcessors());
        assertEquals("Domain 'demo' defined from " + xml + "\n\n"
                + """
                VCPU:           0
                CPU:            N/A
                State:          N/A
                CPU time        N/A
                CPU Affinity:   %1$s

                VCPU:           1
                CPU:            N/A
                State:          N/A
                CPU time        N/A
                CPU Affinity:   %1$s

                Domain: 'demo'
                  state.state=5
                  state.reason=0
                  balloon.current=262144
                  balloon.maximum=524288
                  vcpu.current=2
                  vcpu.maximum=2
                  net.count=1
                  block.count=2
                  block.0.name=vda
                  block.0.path=/var/lib/libvirt/images/demo.qcow2
                  block.1.name=hdc


                Domain: 'demo'
                  balloon.current=262144
                  balloon.maximum=524288
                  vcpu.current=2
                  vcpu.maximum=2



                """.formatted(y), r.out());
        assertTrue(r.err().endsWith("kept as is\nerror: failed to get domain 'nope'\n"), r.err());
    }

    @Test
    void dumpxmlRoundTripsUnknownElements() throws Exception {
        Path dumped = state.resolve("dumped.xml");
        var r = VmmProcess.run(state, "-c", "define " + xml, "-c", "dumpxml demo");
        assertEquals(0, r.status(), r.err());
        String first = r.out().substring(r.out().indexOf("<domain"), r.out().lastIndexOf("</domain>\n") + 10);
        for (String kept : List.of("<graphics type='vnc' port='-1'/>", "<clock offset='utc'/>",
                "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
                "    <qemu:arg value='-no-hpet'/>", "<memory unit='KiB'>524288</memory>",
                "<currentMemory unit='KiB'>262144</currentMemory>", "<disk type='file' device='cdrom'>",
                "<target dev='vda' bus='virtio'/>", "<on_poweroff>destroy</on_poweroff>")) {
            assertTrue(first.contains(kept), kept + " missing from:\n" + first);
        }
        assertTrue(r.out().endsWith("</domain>\n\n"), "the XML, then virsh's blank line");
        Files.writeString(dumped, first);
        var back = VmmProcess.run(state, "-c", "undefine demo", "-c", "define " + dumped, "-c", "dumpxml demo");
        assertEquals(0, back.status(), back.err());
        assertEquals("Domain 'demo' has been undefined\n\nDomain 'demo' defined from " + dumped + "\n\n" + first + "\n",
                back.out());
    }

    @Test
    void editRedefinesAndKeepsTheOldDefinitionOnInvalidInput() throws Exception {
        assertEquals(0, VmmProcess.run(state, "-c", "define " + xml).status());
        Path stored = state.resolve("domains/demo.xml");

        Path moreCpus = editor("more-cpus", "sed -i 's|<vcpu>2</vcpu>|<vcpu>3</vcpu>|' \"$1\"");
        var ok = VmmProcess.run(Map.of("EDITOR", moreCpus.toString()), state, "-c", "edit demo", "-c", "dominfo demo");
        assertEquals(0, ok.status(), ok.err());
        assertEquals("Domain 'demo' XML configuration edited.\n\n" + DOMINFO.formatted(3, "disable"), ok.out());
        String before = Files.readString(stored);
        assertTrue(before.contains("<vcpu>3</vcpu>"), before);

        var same = VmmProcess.run(Map.of("EDITOR", "true"), state, "-c", "edit demo");
        assertEquals("Domain 'demo' XML configuration not changed.\n\n", same.out());

        Path badUnit = editor("bad-unit", "sed -i \"s|<memory unit='KiB'>|<memory unit='XB'>|\" \"$1\"");
        var bad = VmmProcess.run(Map.of("EDITOR", badUnit.toString(), "TMPDIR", state.toString()), state,
                "-c", "edit demo");
        assertEquals(1, bad.status());
        assertTrue(bad.err().startsWith("error: /domain/memory: invalid unit 'XB'\n"
                + "error: Domain 'demo' XML configuration not changed; the edited XML is kept in "), bad.err());
        assertEquals(before, Files.readString(stored), "the old definition stays");
        try (Stream<Path> s = Files.list(state)) {
            Path kept = s.filter(p -> p.getFileName().toString().startsWith("virsh")).findFirst().orElseThrow();
            assertTrue(Files.readString(kept).contains("<memory unit='XB'>"), "the edit is not lost");
        }
    }

    private Path editor(String name, String line) throws IOException {
        Path script = state.resolve(name + ".sh");
        Files.writeString(script, "#!/bin/sh\n" + line + "\n");
        script.toFile().setExecutable(true);
        return script;
    }

    @Test
    void errorsAreVirshsAndLeaveTheStoreIntact() throws Exception {
        Path broken = state.resolve("broken.xml");
        Files.writeString(broken, "<domain type='kvm'><name>x</name><memory unit='MiB'>64</memory>");
        Path badValue = state.resolve("bad-value.xml");
        Files.writeString(badValue, "<domain type='kvm'><name>x</name><memory unit='XB'>64</memory></domain>");
        assertEquals(0, VmmProcess.run(state, "-c", "define " + xml).status());
        String stored = Files.readString(state.resolve("domains/demo.xml"));

        record Case(String command, String err) {
        }
        for (Case c : List.of(
                new Case("dominfo nope", "error: failed to get domain 'nope'\n"),
                new Case("dominfo", "error: command 'dominfo' requires <domain> option\n"),
                new Case("list --bogus", "error: command 'list' doesn't support option --bogus\n"),
                new Case("define " + broken, "error: Failed to define domain from " + broken + "\n"
                        + "error: XML error: malformed XML at line 1, column 64: XML document structures must start and end within the same entity.\n"),
                new Case("define " + badValue, "error: Failed to define domain from " + badValue + "\n"
                        + "error: /domain/memory: invalid unit 'XB'\n"),
                new Case("destroy demo", "error: Failed to destroy domain 'demo'\n"
                        + "error: Requested operation is not valid: domain is not running\n"),
                new Case("resume demo", "error: Failed to resume domain 'demo'\n"
                        + "error: Requested operation is not valid: domain is not running\n"))) {
            var r = VmmProcess.run(state, "-c", c.command());
            assertEquals(1, r.status(), c.command());
            assertEquals(c.err(), r.err(), c.command());
            assertEquals("\n", r.out(), "virsh's blank line after a failed command: " + c.command());
        }
        try (Stream<Path> s = Files.list(state.resolve("domains"))) {
            assertEquals(List.of("demo.xml"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(stored, Files.readString(state.resolve("domains/demo.xml")));

        // A start that the machine refuses says why and leaves the domain shut off.
        var start = VmmProcess.run(state, "-c", "start demo");
        assertEquals(1, start.status());
        assertTrue(start.err().startsWith("error: Failed to start domain 'demo'\nerror: "), start.err());
        var after = VmmProcess.run(state, "-c", "undefine demo", "-c", "undefine demo");
        assertEquals(1, after.status());
        assertEquals("Domain 'demo' has been undefined\n\n\n", after.out());
        assertEquals("error: failed to get domain 'demo'\n", after.err());
        assertFalse(Files.exists(state.resolve("domains/demo.xml")));
    }

    @Test
    void helpListsVirshsGroupsAndManualPages() throws Exception {
        var r = VmmProcess.run(state, "-c", "help", "-c", "help dominfo", "-c", "help monitor", "-c", "help --all");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("Grouped commands:\n\n Domain Management (help keyword 'domain'):\n"
                + "    autostart                      autostart a domain\n"), out);
        assertTrue(out.contains("""
                  NAME
                    dominfo - domain information

                  SYNOPSIS
                    dominfo <domain>

                  DESCRIPTION
                    Returns basic information about the domain.

                  OPTIONS
                    [--domain] <string>  domain name, id or uuid

                """), out);
        assertTrue(out.contains("""
                 Domain Monitoring (help keyword 'monitor'):
                    domblklist                     list all domain blocks
                    domiflist                      list all domain virtual interfaces
                    dominfo                        domain information
                    dommemstat                     get memory statistics for a domain
                    domstate                       domain state
                    domstats                       get statistics about one or multiple domains
                    list                           list domains
                """), out);
        assertTrue(out.contains(" Host and Hypervisor (help keyword 'host'):\n"), out);
        assertTrue(out.contains("    img:create                     create a disk image (as qemu-img create)\n"), out);
        // Gogo's own commands only with --all, under their scopes.
        int all = out.lastIndexOf("Grouped commands:");
        assertFalse(out.substring(0, all).contains("felix:lb"), "plain help keeps Gogo out of the way");
        assertTrue(out.substring(all).contains("felix:lb"), out);
        assertTrue(new String(out.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).contains("gogo:echo"), out);
    }
}
