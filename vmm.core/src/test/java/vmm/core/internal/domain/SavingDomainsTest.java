package vmm.core.internal.domain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainEvent;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainRunner;
import vmm.core.domain.DomainState;
import vmm.core.domain.RunAfterRestore;
import vmm.core.domain.StateReason;

/**
 * The domain table's save side with a runner whose machine state is a line of text: the state
 * changes virsh shows, the save file's head, and that a failed save or a bad file changes
 * nothing (the domain runs on; the definitions and the file stay as they were).
 */
class SavingDomainsTest {
    private static final String MACHINE = "machine state\n";

    @TempDir
    Path dir;

    private final List<String> calls = new ArrayList<>();
    private final List<DomainEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
    private boolean saveFails;

    private final DomainRunner runner = new DomainRunner() {
        @Override
        public Machine start(DomainDefinition def, ExitHandler onExit) {
            calls.add("start " + def.name());
            return machine();
        }

        @Override
        public Machine restore(DomainDefinition def, InputStream state, boolean paused, ExitHandler onExit)
                throws DomainException {
            try {
                String read = new String(state.readAllBytes(), StandardCharsets.UTF_8);
                if (!read.equals(MACHINE)) {
                    throw new DomainException(DomainException.Kind.INVALID_OPERATION,
                            "cannot restore the machine: not its state");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            calls.add("restore " + def.name() + (paused ? " paused" : ""));
            return machine();
        }
    };

    private DomainRunner.Machine machine() {
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
            }

            @Override
            public void reset() {
            }

            @Override
            public void powerOff() {
                calls.add("poweroff");
            }

            @Override
            public long cpuTimeNs() {
                return 0;
            }

            @Override
            public vmm.core.domain.DomainConsole openConsole(OutputStream guestOutput) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void saveState(OutputStream out) throws DomainException {
                calls.add("save");
                if (saveFails) {
                    throw new DomainException(DomainException.Kind.FAILED, "cannot save the machine: disk full");
                }
                try {
                    out.write(MACHINE.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private SavingDomains domains() {
        return new SavingDomains(new DomainStore(dir.resolve("domains")), () -> runner, events::add) {
        };
    }

    private static String xml(String name, String uuid) {
        return "<domain type='qemu'><name>" + name + "</name><uuid>" + uuid + "</uuid><memory unit='MiB'>64</memory>"
                + "<os><type>hvm</type><kernel>/k</kernel></os></domain>";
    }

    private static final String UUID = "0d2c6a4e-4b8f-4f5e-9a0b-3c1d2e3f4a5b";

    private List<String> storeFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("domains"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void saveStopsTheDomainAndRestoreBringsItBack() throws Exception {
        SavingDomains d = domains();
        d.define(xml("web", UUID));
        d.start("web");
        Path file = dir.resolve("web.save");
        d.save("web", file, RunAfterRestore.AS_SAVED);
        DomainInfo saved = d.lookup("web");
        assertEquals(DomainState.SHUTOFF, saved.state());
        assertEquals(StateReason.SAVED, saved.reason());
        assertEquals(List.of("start web", "save", "poweroff"), calls);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals("VMMDSAVE", new String(bytes, 0, 8, StandardCharsets.US_ASCII));
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(text.contains("<name>web</name>") && text.strip().endsWith("</domain>\n" + MACHINE.strip()), text);
        assertFalse(Files.exists(dir.resolve("web.save.partial")));

        DomainInfo back = d.restore(file, RunAfterRestore.AS_SAVED);
        assertEquals(DomainState.RUNNING, back.state());
        assertEquals(StateReason.RESTORED, back.reason());
        assertEquals(2, back.id());
        assertTrue(back.persistent());
        assertEquals("restore web", calls.getLast());
        assertEquals(List.of(DomainEvent.Type.DEFINED, DomainEvent.Type.STARTED, DomainEvent.Type.STOPPED,
                DomainEvent.Type.STARTED), events.stream().map(DomainEvent::type).toList());

        DomainException busy = assertThrows(DomainException.class, () -> d.restore(file, RunAfterRestore.AS_SAVED));
        assertEquals("Requested operation is not valid: domain 'web' is already active", busy.getMessage());
    }

    @Test
    void aPausedSaveRestoresPausedUnlessToldOtherwise() throws Exception {
        SavingDomains d = domains();
        d.define(xml("web", UUID));
        d.start("web");
        d.suspend("web");
        Path file = dir.resolve("web.save");
        d.save("web", file, RunAfterRestore.AS_SAVED);
        DomainInfo paused = d.restore(file, RunAfterRestore.AS_SAVED);
        assertEquals(DomainState.PAUSED, paused.state());
        assertEquals("restore web paused", calls.getLast());
        d.save("web", file, RunAfterRestore.AS_SAVED);
        assertEquals(DomainState.RUNNING, d.restore(file, RunAfterRestore.RUNNING).state());
        assertEquals("restore web", calls.getLast());
    }

    @Test
    void anUndefinedDomainRestoresTransient() throws Exception {
        SavingDomains d = domains();
        d.define(xml("web", UUID));
        d.start("web");
        Path file = dir.resolve("web.save");
        d.save("web", file, RunAfterRestore.AS_SAVED);
        d.undefine("web");
        DomainInfo back = d.restore(file, RunAfterRestore.AS_SAVED);
        assertFalse(back.persistent());
        assertEquals(List.of(), storeFiles().stream().filter(f -> f.endsWith(".xml")).toList());
        d.destroy("web");
        assertTrue(d.find("web").isEmpty(), "a transient domain is gone when it stops");
    }

    @Test
    void aFailedSaveLeavesTheDomainRunningAndNoFile() throws Exception {
        SavingDomains d = domains();
        d.define(xml("web", UUID));
        d.start("web");
        saveFails = true;
        Path file = dir.resolve("web.save");
        DomainException e = assertThrows(DomainException.class, () -> d.save("web", file, RunAfterRestore.AS_SAVED));
        assertEquals("cannot save the machine: disk full", e.getMessage());
        assertEquals(DomainState.RUNNING, d.lookup("web").state());
        assertEquals(List.of("start web", "save", "resume"), calls);
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(dir.resolve("web.save.partial")));
        DomainException inactive = assertThrows(DomainException.class, () -> {
            d.destroy("web");
            d.save("web", file, RunAfterRestore.AS_SAVED);
        });
        assertEquals("Requested operation is not valid: domain is not running", inactive.getMessage());
    }

    @Test
    void badFilesChangeNothing() throws Exception {
        SavingDomains d = domains();
        d.define(xml("web", UUID));
        d.start("web");
        Path file = dir.resolve("web.save");
        d.save("web", file, RunAfterRestore.AS_SAVED);
        byte[] good = Files.readAllBytes(file);
        byte[] definition = Files.readAllBytes(dir.resolve("domains/web.xml"));
        List<String> store = storeFiles();
        calls.clear();

        Path bad = dir.resolve("bad.save");
        byte[] flipped = good.clone();
        flipped[40] ^= 1; // inside the XML
        Files.write(bad, flipped);
        assertEquals(bad + ": saved domain is corrupt: the domain XML does not match its checksum",
                assertThrows(DomainException.class, () -> d.restore(bad, RunAfterRestore.AS_SAVED)).getMessage());
        Files.write(bad, java.util.Arrays.copyOf(good, 30));
        assertEquals(bad + ": saved domain is truncated (it ends in its header)",
                assertThrows(DomainException.class, () -> d.restore(bad, RunAfterRestore.AS_SAVED)).getMessage());
        Files.writeString(bad, "<domain/>");
        assertEquals(bad + ": not a saved domain (it does not start with VMMDSAVE)",
                assertThrows(DomainException.class, () -> d.restore(bad, RunAfterRestore.AS_SAVED)).getMessage());
        byte[] spoiled = java.util.Arrays.copyOf(good, good.length + 1);
        Files.write(bad, spoiled);
        assertEquals("cannot restore the machine: not its state",
                assertThrows(DomainException.class, () -> d.restore(bad, RunAfterRestore.AS_SAVED)).getMessage());
        // Another domain of that name (another UUID) is a conflict, not a replacement.
        d.undefine("web");
        d.define(xml("web", "11111111-2222-3333-4444-555555555555"));
        definition = Files.readAllBytes(dir.resolve("domains/web.xml"));
        DomainException clash = assertThrows(DomainException.class, () -> d.restore(file, RunAfterRestore.AS_SAVED));
        assertTrue(clash.getMessage().startsWith("operation failed: domain 'web' already exists with uuid"),
                clash.getMessage());

        assertEquals(List.of(), calls, "no machine was started");
        assertEquals(DomainState.SHUTOFF, d.lookup("web").state());
        assertArrayEquals(definition, Files.readAllBytes(dir.resolve("domains/web.xml")));
        assertEquals(store, storeFiles());
        assertArrayEquals(good, Files.readAllBytes(file));
    }
}
