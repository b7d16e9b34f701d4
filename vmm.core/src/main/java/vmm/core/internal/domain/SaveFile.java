package vmm.core.internal.domain;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainException.Kind;

/**
 * The head of a {@code virsh save} file, as libvirt's own save header: what identifies the
 * file, whether the domain runs after a restore, and the live domain XML (checksummed). The
 * machine's state (its own format, with its own checksum) follows.
 *
 * <pre>"VMMDSAVE" version(int) flags(int: 1 = paused) xml length(int) CRC-32 of the xml(int) xml(UTF-8)</pre>
 */
final class SaveFile {
    static final int VERSION = 1;
    private static final byte[] MAGIC = "VMMDSAVE".getBytes(StandardCharsets.US_ASCII);
    private static final int FLAG_PAUSED = 1;
    /** libvirt's limit for a domain XML file. */
    private static final int MAX_XML = 10 << 20;

    /** What the head says. */
    record Head(String xml, boolean paused) {
    }

    private SaveFile() {
    }

    static void writeHead(OutputStream target, Head head) throws IOException {
        DataOutputStream out = new DataOutputStream(target);
        byte[] xml = head.xml().getBytes(StandardCharsets.UTF_8);
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(head.paused() ? FLAG_PAUSED : 0);
        out.writeInt(xml.length);
        out.writeInt(crc(xml));
        out.write(xml);
        out.flush();
    }

    /**
     * Reads the head, leaving {@code source} at the machine state.
     *
     * @throws IllegalArgumentException naming what is wrong with the file
     */
    static Head readHead(InputStream source) throws IOException {
        DataInputStream in = new DataInputStream(source);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException("not a saved domain (it does not start with VMMDSAVE)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("saved domain format version " + version
                        + "; this VMM reads version " + VERSION);
            }
            int flags = in.readInt();
            if ((flags & ~FLAG_PAUSED) != 0) {
                throw new IllegalArgumentException(String.format("saved domain has unknown flags 0x%x", flags));
            }
            int length = in.readInt();
            if (length <= 0 || length > MAX_XML) {
                throw new IllegalArgumentException("saved domain is corrupt: domain XML of " + length + " bytes");
            }
            int stored = in.readInt();
            byte[] xml = new byte[length];
            in.readFully(xml);
            if (crc(xml) != stored) {
                throw new IllegalArgumentException("saved domain is corrupt: the domain XML does not match its checksum");
            }
            return new Head(new String(xml, StandardCharsets.UTF_8), (flags & FLAG_PAUSED) != 0);
        } catch (EOFException e) {
            throw new IllegalArgumentException("saved domain is truncated (it ends in its header)", e);
        }
    }

    /** Writes the machine's state after the head. */
    @FunctionalInterface
    interface StateWriter {
        void write(OutputStream out) throws DomainException;
    }

    /**
     * Writes a save file: beside {@code file} first, moved into place once complete, so a
     * failure leaves no file (and an older file of that name intact).
     */
    static void write(Path file, Head head, StateWriter state) throws DomainException {
        Path target = file.toAbsolutePath();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(partial)) {
                writeHead(out, head);
                state.write(out);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | DomainException | RuntimeException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            if (e instanceof DomainException de) {
                throw de;
            }
            throw new DomainException(Kind.FAILED, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** A save file opened, its head read; {@link #in()} is at the machine's state. */
    record Opened(Head head, InputStream in) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * Opens a save file and reads its head.
     *
     * @throws DomainException naming the file and what is wrong with it
     */
    static Opened open(Path file) throws DomainException {
        InputStream in = null;
        try {
            in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            return new Opened(readHead(in), in);
        } catch (NoSuchFileException e) {
            throw new DomainException(Kind.FAILED, "cannot read " + file + ": No such file or directory", e);
        } catch (IOException | IllegalArgumentException e) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
            throw new DomainException(e instanceof IOException ? Kind.FAILED : Kind.INVALID_OPERATION,
                    e instanceof IOException ? "cannot read " + file + ": " + e : file + ": " + e.getMessage(), e);
        }
    }

    private static int crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return (int) crc.getValue();
    }
}
