package vmm.core.internal.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainException;

class DomainStoreTest {
    @TempDir
    Path dir;

    private static DomainDefinition def(String name, int mib) throws DomainException {
        return DomainXmlParser.parse("<domain type='qemu'><name>" + name + "</name><uuid>11111111-2222-3333-4444-5555555555"
                + String.format("%02d", mib % 100) + "</uuid><memory unit='MiB'>" + mib + "</memory></domain>");
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void savedDefinitionsLoadBack() throws Exception {
        DomainStore store = new DomainStore(dir);
        store.save(def("a", 64));
        store.save(def("b", 128));
        assertEquals(List.of("a.xml", "b.xml"), files());
        DomainStore.Loaded loaded = new DomainStore(dir).load();
        assertEquals(List.of("a", "b"), loaded.definitions().stream().map(DomainDefinition::name).toList());
        assertEquals(def("b", 128).xml(), Files.readString(dir.resolve("b.xml")));
        assertEquals(List.of(), loaded.problems());
    }

    @Test
    void replacingLeavesNoTemporaryFiles() throws Exception {
        DomainStore store = new DomainStore(dir);
        store.save(def("a", 64));
        store.save(def("a", 96));
        assertEquals(List.of("a.xml"), files());
        assertTrue(Files.readString(dir.resolve("a.xml")).contains("<memory unit='KiB'>98304</memory>"));
    }

    @Test
    void aWriteCutShortIsIgnoredAndTheOldDefinitionStays() throws Exception {
        DomainStore store = new DomainStore(dir);
        store.save(def("a", 64));
        // What a crash between write and rename leaves: a partial temporary file.
        Files.writeString(dir.resolve(".a.123.tmp"), "<domain type='qemu'><name>a</name><mem");
        DomainStore.Loaded loaded = store.load();
        assertEquals(1, loaded.definitions().size());
        assertEquals(64 * 1024, loaded.definitions().get(0).memoryKiB());
        assertEquals(List.of(), loaded.problems());
    }

    @Test
    void aFailedSaveKeepsThePreviousFile() throws Exception {
        DomainStore store = new DomainStore(dir);
        store.save(def("a", 64));
        String before = Files.readString(dir.resolve("a.xml"));
        // The rename cannot replace a non-empty directory: the save fails after writing its data.
        Files.createDirectories(dir.resolve("b.xml/x"));
        DomainException e = assertThrows(DomainException.class, () -> store.save(def("b", 64)));
        assertTrue(e.getMessage().contains("b.xml"), e.getMessage());
        assertEquals(before, Files.readString(dir.resolve("a.xml")));
        assertFalse(files().stream().anyMatch(f -> f.endsWith(".tmp")), files().toString());
    }

    @Test
    void brokenFilesAreReportedNotLoaded() throws Exception {
        DomainStore store = new DomainStore(dir);
        store.save(def("good", 64));
        Files.writeString(dir.resolve("broken.xml"), "<domain><name>oops</domain>");
        Files.writeString(dir.resolve("other.xml"), def("elsewhere", 64).xml());
        DomainStore.Loaded loaded = store.load();
        assertEquals(List.of("good"), loaded.definitions().stream().map(DomainDefinition::name).toList());
        assertEquals(2, loaded.problems().size(), loaded.problems().toString());
        assertTrue(loaded.problems().get(0).contains("broken.xml: XML error: malformed XML"), loaded.problems().toString());
        assertTrue(loaded.problems().get(1).contains("holds domain 'elsewhere'"), loaded.problems().toString());
    }

    @Test
    void autostartIsALinkAsLibvirts() throws Exception {
        DomainStore store = new DomainStore(dir);
        store.save(def("a", 64));
        assertFalse(store.autostart("a"));
        store.setAutostart("a", true);
        Path link = dir.resolve("autostart/a.xml");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("..", "a.xml"), Files.readSymbolicLink(link));
        assertTrue(store.autostart("a"));
        store.setAutostart("a", true);
        store.setAutostart("a", false);
        assertFalse(Files.exists(link));
        store.setAutostart("a", true);
        store.delete("a");
        assertFalse(Files.exists(link));
        assertFalse(Files.exists(dir.resolve("a.xml")));
    }
}
