package vmm.core.internal.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainEvent;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainException.Kind;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainRunner;
import vmm.core.domain.DomainState;
import vmm.core.domain.StateReason;

/**
 * The domain table's state machine, with a runner that records what the manager asks of the
 * machine and lets the test end a machine as a guest would.
 */
class DomainsTest {
    @TempDir
    Path dir;

    /** Machines started so far and the calls they received. */
    private final List<String> calls = new ArrayList<>();
    private final AtomicReference<DomainRunner.ExitHandler> lastExit = new AtomicReference<>();
    private final List<DomainEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<DomainRunner> runner = new AtomicReference<>(this::start);

    private DomainRunner.Machine start(DomainDefinition def, DomainRunner.ExitHandler onExit) {
        calls.add("start " + def.name());
        lastExit.set(onExit);
        return new DomainRunner.Machine() {
            @Override
            public void pause() {
                calls.add("pause");
            }

            @Override
            public void resume() {
                calls.add("resume");
            }

            @Override
            public void requestShutdown() {
                calls.add("shutdown");
            }

            @Override
            public void reset() {
                calls.add("reset");
            }

            @Override
            public void powerOff() {
                calls.add("poweroff");
            }

            @Override
            public long cpuTimeNs() {
                return 1_500_000_000L;
            }

            @Override
            public void setMemory(long kib) throws DomainException {
                if (!def.hasBalloon()) {
                    DomainRunner.Machine.super.setMemory(kib);
                }
                calls.add("setmem " + kib);
            }

            @Override
            public java.util.OptionalLong memoryKiB() {
                return def.hasBalloon() ? java.util.OptionalLong.of(61440) : java.util.OptionalLong.empty();
            }

            @Override
            public vmm.core.domain.DomainConsole openConsole(java.io.OutputStream guestOutput) {
                calls.add("console");
                return new vmm.core.domain.DomainConsole() {
                    @Override
                    public void send(byte[] data, int offset, int length) {
                        calls.add("typed " + new String(data, offset, length, java.nio.charset.StandardCharsets.UTF_8));
                    }

                    @Override
                    public void close() {
                        calls.add("detached");
                    }
                };
            }
        };
    }

    private Domains domains() {
        return new Domains(new DomainStore(dir), runner::get, events::add);
    }

    private static String xml(String name, String extra) {
        return "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>64</memory>" + extra + "</domain>";
    }

    @Test
    void defineListLookupUndefine() throws Exception {
        Domains d = domains();
        DomainInfo web = d.define(xml("web", ""));
        d.define(xml("Alpha", ""));
        d.define(xml("db", ""));
        assertEquals(List.of("Alpha", "db", "web"), d.list().stream().map(DomainInfo::name).toList());
        assertEquals("web", d.lookup(web.definition().uuid().toString()).name());
        assertEquals("web", d.lookup("web").name());
        assertEquals(DomainState.SHUTOFF, web.state());
        assertEquals(StateReason.UNKNOWN, web.reason());
        assertTrue(web.persistent());
        assertEquals(-1, web.id());
        DomainException e = assertThrows(DomainException.class, () -> d.lookup("nope"));
        assertEquals(Kind.NO_DOMAIN, e.kind());
        assertEquals("failed to get domain 'nope'", e.getMessage());
        // A new VMM finds the definitions again.
        assertEquals(3, domains().list().size());
        d.undefine("web");
        assertFalse(Files.exists(dir.resolve("web.xml")));
        assertEquals(2, domains().list().size());
        assertEquals(List.of(DomainEvent.Type.DEFINED, DomainEvent.Type.DEFINED, DomainEvent.Type.DEFINED,
                DomainEvent.Type.UNDEFINED), events.stream().map(DomainEvent::type).toList());
    }

    @Test
    void redefiningNeedsTheSameUuidAndKeepsTheStoreOnError() throws Exception {
        Domains d = domains();
        DomainInfo web = d.define(xml("web", "<uuid>a4b6f1c2-5d3e-4f7a-9b8c-0d1e2f3a4b5c</uuid>"));
        String stored = Files.readString(dir.resolve("web.xml"));
        DomainException clash = assertThrows(DomainException.class, () -> d.define(xml("web", "")));
        assertEquals(Kind.CONFLICT, clash.kind());
        assertTrue(clash.getMessage().contains("already exists with uuid " + web.definition().uuid()), clash.getMessage());
        DomainException sameUuid = assertThrows(DomainException.class,
                () -> d.define(xml("other", "<uuid>a4b6f1c2-5d3e-4f7a-9b8c-0d1e2f3a4b5c</uuid>")));
        assertEquals("operation failed: domain 'web' already exists with uuid a4b6f1c2-5d3e-4f7a-9b8c-0d1e2f3a4b5c",
                sameUuid.getMessage());
        DomainException invalid = assertThrows(DomainException.class,
                () -> d.define("<domain type='qemu'><name>web</name><memory unit='XB'>1</memory></domain>"));
        assertEquals(Kind.INVALID_XML, invalid.kind());
        assertEquals(stored, Files.readString(dir.resolve("web.xml")));
        // Same name and UUID: a new version of the definition.
        d.define(xml("web", "<uuid>a4b6f1c2-5d3e-4f7a-9b8c-0d1e2f3a4b5c</uuid><vcpu>3</vcpu>"));
        assertEquals(3, domains().lookup("web").definition().vcpus());
    }

    @Test
    void lifeCycleFollowsLibvirtsStates() throws Exception {
        Domains d = domains();
        d.define(xml("web", ""));
        DomainInfo running = d.start("web");
        assertEquals(DomainState.RUNNING, running.state());
        assertEquals(StateReason.BOOTED, running.reason());
        assertEquals(1, running.id());
        assertEquals("web", d.lookup("1").name());
        assertEquals(1_500_000_000L, d.lookup("web").cpuTimeNs());
        assertTrue(d.dumpXml("web", false).startsWith("<domain type='qemu' id='1'>"), d.dumpXml("web", false));
        assertTrue(d.dumpXml("web", true).startsWith("<domain type='qemu'>"));
        assertEquals(Kind.INVALID_OPERATION, assertThrows(DomainException.class, () -> d.start("web")).kind());
        assertEquals(Kind.INVALID_OPERATION, assertThrows(DomainException.class, () -> d.resume("web")).kind());
        d.suspend("web");
        assertEquals(DomainState.PAUSED, d.lookup("web").state());
        assertEquals(StateReason.USER, d.lookup("web").reason());
        d.resume("web");
        assertEquals(StateReason.UNPAUSED, d.lookup("web").reason());
        d.shutdown("web");
        d.destroy("web");
        DomainInfo off = d.lookup("web");
        assertEquals(DomainState.SHUTOFF, off.state());
        assertEquals(StateReason.DESTROYED, off.reason());
        assertEquals(-1, off.id());
        DomainException notRunning = assertThrows(DomainException.class, () -> d.destroy("web"));
        assertEquals("Requested operation is not valid: domain is not running", notRunning.getMessage());
        assertEquals(2, d.start("web").id(), "ids are not reused");
        assertEquals(List.of("start web", "pause", "resume", "shutdown", "poweroff", "start web"), calls);
        assertEquals(List.of(DomainEvent.Type.DEFINED, DomainEvent.Type.STARTED, DomainEvent.Type.SUSPENDED,
                DomainEvent.Type.RESUMED, DomainEvent.Type.SHUTDOWN, DomainEvent.Type.STOPPED, DomainEvent.Type.STARTED),
                events.stream().map(DomainEvent::type).toList());
    }

    @Test
    void shutdownWaitsForThePowerOffThenGivesUpWithoutKilling() throws Exception {
        Domains d = domains();
        d.define(xml("web", ""));
        d.start("web");
        // The guest powers off after the button: in shutdown, then shut off (shutdown).
        d.shutdown("web", java.time.Duration.ofMillis(200));
        assertEquals(DomainState.SHUTDOWN, d.lookup("web").state());
        assertEquals(StateReason.USER, d.lookup("web").reason());
        assertEquals(new DomainEvent("web", d.lookup("web").definition().uuid(), DomainEvent.Type.SHUTDOWN,
                DomainState.SHUTDOWN, StateReason.USER), events.get(events.size() - 1));
        lastExit.get().exited(DomainRunner.Exit.POWEROFF, "guest powered off");
        assertEquals(DomainState.SHUTOFF, d.lookup("web").state());
        assertEquals(StateReason.SHUTDOWN, d.lookup("web").reason());
        Thread.sleep(400);
        assertEquals(DomainState.SHUTOFF, d.lookup("web").state(), "a timer after the power-off changes nothing");

        // The guest ignores the button: running again after the timeout, never powered off.
        d.start("web");
        d.suspend("web");
        DomainException paused = assertThrows(DomainException.class, () -> d.shutdown("web"));
        assertTrue(paused.getMessage().contains("domain is paused"), paused.getMessage());
        d.resume("web");
        calls.clear();
        d.shutdown("web", java.time.Duration.ofMillis(100));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (d.lookup("web").state() == DomainState.SHUTDOWN && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(DomainState.RUNNING, d.lookup("web").state());
        assertEquals(StateReason.UNPAUSED, d.lookup("web").reason(), "the reason it ran with before");
        assertEquals(DomainEvent.Type.SHUTDOWN_TIMED_OUT, events.get(events.size() - 1).type());
        assertEquals(List.of("shutdown"), calls, "pressed the button, never powered off");
        assertThrows(DomainException.class, () -> d.shutdown("web", java.time.Duration.ZERO));
        d.destroy("web");
        assertEquals(StateReason.DESTROYED, d.lookup("web").reason());
    }

    @Test
    void guestExitsApplyTheDefinitionsActions() throws Exception {
        Domains d = domains();
        d.define(xml("web", "<on_crash>preserve</on_crash>"));
        d.start("web");
        lastExit.get().exited(DomainRunner.Exit.POWEROFF, "ACPI power off");
        assertEquals(DomainState.SHUTOFF, d.lookup("web").state());
        assertEquals(StateReason.SHUTDOWN, d.lookup("web").reason());
        d.start("web");
        lastExit.get().exited(DomainRunner.Exit.REBOOT, "guest reboot");
        assertEquals(DomainState.RUNNING, d.lookup("web").state(), "on_reboot restart starts it again");
        assertEquals(List.of("start web", "start web", "start web"), calls);
        lastExit.get().exited(DomainRunner.Exit.CRASH, "triple fault");
        assertEquals(DomainState.CRASHED, d.lookup("web").state());
        assertEquals(StateReason.PANICKED, d.lookup("web").reason());
        assertEquals(DomainEvent.Type.CRASHED, events.get(events.size() - 1).type());
    }

    @Test
    void transientDomainsLiveWhileTheyRun() throws Exception {
        Domains d = domains();
        DomainInfo t = d.create(xml("scratch", ""));
        assertFalse(t.persistent());
        assertEquals(DomainState.RUNNING, t.state());
        assertFalse(Files.exists(dir.resolve("scratch.xml")));
        assertEquals(Kind.INVALID_OPERATION, assertThrows(DomainException.class, () -> d.undefine("scratch")).kind());
        assertEquals(Kind.INVALID_OPERATION,
                assertThrows(DomainException.class, () -> d.setAutostart("scratch", true)).kind());
        d.destroy("scratch");
        assertTrue(d.find("scratch").isEmpty());
        // A running persistent domain that is undefined becomes transient, then goes away.
        d.define(xml("web", ""));
        d.start("web");
        d.undefine("web");
        assertFalse(d.lookup("web").persistent());
        d.destroy("web");
        assertTrue(d.find("web").isEmpty());
    }

    @Test
    void withoutAMachineStartIsUnsupportedAndNothingChanges() throws Exception {
        runner.set(null);
        Domains d = domains();
        d.define(xml("web", ""));
        DomainException e = assertThrows(DomainException.class, () -> d.start("web"));
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertEquals(DomainState.SHUTOFF, d.lookup("web").state());
        assertThrows(DomainException.class, () -> d.create(xml("t", "")));
        assertTrue(d.find("t").isEmpty());
    }

    @Test
    void aVmmThatDiedLeavesItsRunningDomainsShutOffCrashed() throws Exception {
        Domains d = domains();
        d.define(xml("web", ""));
        d.define(xml("db", ""));
        d.start("web");
        assertTrue(Files.exists(dir.resolve("running/web.xml")), "status file while it runs");
        // No stopAll: the process ended with the machine in it.
        Domains next = domains();
        assertEquals(DomainState.SHUTOFF, next.lookup("web").state());
        assertEquals(StateReason.CRASHED, next.lookup("web").reason());
        assertEquals(StateReason.UNKNOWN, next.lookup("db").reason());
        assertEquals(StateReason.CRASHED, domains().lookup("web").reason(), "until it starts again");
        next.start("web");
        next.destroy("web");
        assertFalse(Files.exists(dir.resolve("running/web.xml")));
        assertEquals(StateReason.UNKNOWN, domains().lookup("web").reason());
    }

    @Test
    void consoleNeedsARunningDomain() throws Exception {
        Domains d = domains();
        d.define(xml("web", ""));
        assertEquals(Kind.INVALID_OPERATION,
                assertThrows(DomainException.class, () -> d.openConsole("web", java.io.OutputStream.nullOutputStream())).kind());
        d.start("web");
        try (var console = d.openConsole("web", java.io.OutputStream.nullOutputStream())) {
            console.send("ls\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 3);
        }
        assertEquals(List.of("start web", "console", "typed ls\n", "detached"), calls);
    }

    @Test
    void autostartIsStored() throws Exception {
        Domains d = domains();
        d.define(xml("web", ""));
        d.setAutostart("web", true);
        assertTrue(domains().lookup("web").autostart());
        d.setAutostart("web", false);
        assertFalse(domains().lookup("web").autostart());
    }

    @Test
    void setMemoryMovesTheBalloonOrTheStoredCurrentMemoryAsVirshSetmem() throws Exception {
        Domains d = domains();
        d.define(xml("web", ""));
        // inactive: --current is --config; the stored definition changes
        d.setMemory("web", 32768, false, false);
        assertEquals(32768, d.lookup("web").definition().currentMemoryKiB());
        assertTrue(d.dumpXml("web", true).contains("<currentMemory unit='KiB'>32768</currentMemory>"));
        assertEquals(32768, domains().lookup("web").definition().currentMemoryKiB(), "stored");
        assertEquals("Requested operation is not valid: domain is not running",
                assertThrows(DomainException.class, () -> d.setMemory("web", 1024, true, false)).getMessage());
        assertEquals("Requested operation is not valid: domain is not running",
                assertThrows(DomainException.class, () -> d.memoryStats("web")).getMessage());
        d.start("web");
        d.setMemory("web", 49152, false, false);
        assertEquals(List.of("start web", "setmem 49152"), calls);
        assertEquals(32768, d.lookup("web").definition().currentMemoryKiB(), "--current on a running domain is --live");
        d.setMemory("web", 40960, true, true);
        assertTrue(d.dumpXml("web", true).contains("<currentMemory unit='KiB'>40960</currentMemory>"));
        assertEquals("setmem 40960", calls.getLast());
        assertEquals("invalid argument: cannot set memory higher than max memory",
                assertThrows(DomainException.class, () -> d.setMemory("web", 65537, true, false)).getMessage());
        assertEquals(java.util.Map.of("actual", 61440L), d.memoryStats("web"));
        assertTrue(d.dumpXml("web", false).contains("<currentMemory unit='KiB'>61440</currentMemory>"),
                "the live XML follows the balloon");

        d.create(xml("tr", "<devices><memballoon model='none'/></devices>"));
        assertEquals("Requested operation is not valid: Unable to change memory of active domain without the balloon "
                + "device and guest OS balloon driver",
                assertThrows(DomainException.class, () -> d.setMemory("tr", 1024, true, false)).getMessage());
        assertEquals("Requested operation is not valid: cannot change persistent config of a transient domain",
                assertThrows(DomainException.class, () -> d.setMemory("tr", 1024, false, true)).getMessage());
        assertEquals(java.util.Map.of(), d.memoryStats("tr"), "no balloon, no actual");
    }
}
