package vmm.core.internal.domain;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainException;

/**
 * Persistent definitions, one {@code NAME.xml} per domain, as libvirt keeps them. A file is
 * replaced atomically (temporary file, fsync, rename, fsync of the folder), so a crash leaves
 * either the old or the new definition, never half of one. Autostart is a symbolic link
 * {@code autostart/NAME.xml -> ../NAME.xml}, as libvirt's.
 */
public final class DomainStore {
    private static final Logger LOG = LoggerFactory.getLogger(DomainStore.class);

    /** What {@link #load()} found: the definitions, and the files it could not use. */
    public record Loaded(List<DomainDefinition> definitions, List<String> problems) {
    }

    private final Path folder;

    public DomainStore(Path folder) {
        this.folder = folder;
    }

    public Path folder() {
        return folder;
    }

    Path file(String name) {
        return folder.resolve(name + ".xml");
    }

    private Path autostartLink(String name) {
        return folder.resolve("autostart").resolve(name + ".xml");
    }

    public Loaded load() {
        List<DomainDefinition> defs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return new Loaded(defs, problems);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "*.xml")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            problems.add(folder + ": cannot list: " + e.getMessage());
            return new Loaded(defs, problems);
        }
        files.sort(null);
        for (Path f : files) {
            if (f.getFileName().toString().startsWith(".") || !Files.isRegularFile(f)) {
                continue;
            }
            try {
                DomainDefinition d = DomainXmlParser.parse(Files.readString(f, StandardCharsets.UTF_8));
                if (!f.getFileName().toString().equals(d.name() + ".xml")) {
                    problems.add(f + ": holds domain '" + d.name() + "', expected in " + d.name() + ".xml; not loaded");
                    continue;
                }
                defs.add(d);
            } catch (DomainException e) {
                problems.add(f + ": " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                problems.add(f + ": cannot read: " + e);
            }
        }
        for (String p : problems) {
            LOG.warn("domain store: {}", p);
        }
        return new Loaded(defs, problems);
    }

    /** Writes {@code def}'s XML as its name's file, replacing any previous one atomically. */
    public void save(DomainDefinition def) throws DomainException {
        Path target = file(def.name());
        Path tmp = null;
        try {
            Files.createDirectories(folder);
            tmp = Files.createTempFile(folder, "." + def.name() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer data = ByteBuffer.wrap(def.xml().getBytes(StandardCharsets.UTF_8));
                while (data.hasRemaining()) {
                    ch.write(data);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            syncFolder(folder);
        } catch (IOException e) {
            throw new DomainException(DomainException.Kind.FAILED, "cannot save " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("cannot remove the temporary file {}: {}", tmp, e.toString());
                }
            }
        }
    }

    /** Removes a definition and its autostart link. */
    public void delete(String name) throws DomainException {
        try {
            Files.deleteIfExists(autostartLink(name));
            Files.deleteIfExists(statusFile(name));
            Files.deleteIfExists(file(name));
            syncFolder(folder);
        } catch (IOException e) {
            throw new DomainException(DomainException.Kind.FAILED, "cannot remove " + file(name) + ": " + e.getMessage(), e);
        }
    }

    public boolean autostart(String name) {
        return Files.exists(autostartLink(name), LinkOption.NOFOLLOW_LINKS);
    }

    public void setAutostart(String name, boolean on) throws DomainException {
        Path link = autostartLink(name);
        try {
            if (on) {
                if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(link.getParent());
                    Files.createSymbolicLink(link, Path.of("..", name + ".xml"));
                }
            } else {
                Files.deleteIfExists(link);
            }
        } catch (IOException e) {
            throw new DomainException(DomainException.Kind.FAILED, "cannot change " + link + ": " + e.getMessage(), e);
        }
    }

    private Path statusFile(String name) {
        return folder.resolve("running").resolve(name + ".xml");
    }

    /**
     * Records that a domain runs (its live XML, as libvirt's status files), or that it stopped.
     * A record left behind means the VMM ended while the domain ran.
     */
    public void setRunning(DomainDefinition live, boolean running) {
        Path f = statusFile(live.name());
        try {
            if (running) {
                Files.createDirectories(f.getParent());
                Files.writeString(f, live.xml(), StandardCharsets.UTF_8);
            } else {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            LOG.warn("cannot {} the status file {}: {}", running ? "write" : "remove", f, e.toString());
        }
    }

    /**
     * Whether {@code name} was running when the VMM last ended; the record stays until the
     * domain starts again or is undefined, so the state reason says so until then.
     */
    public boolean wasRunning(String name) {
        return Files.exists(statusFile(name));
    }

    /** Makes the rename itself durable: the folder's entry is data too. */
    private static void syncFolder(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
