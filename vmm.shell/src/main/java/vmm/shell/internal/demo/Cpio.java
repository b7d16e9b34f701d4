package vmm.shell.internal.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cpio archive in the "newc" format that Linux unpacks as its initramfs: folders, regular
 * files and symbolic links, all owned by root (no cpio tool needed).
 */
final class Cpio {

    private record Entry(int mode, byte[] data) {
    }

    private static final int DIR = 0040000, FILE = 0100000, LINK = 0120000;

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds {@code path}'s parent folders (once each), then the entry. */
    private void put(String path, Entry e) {
        String[] parts = path.split("/");
        StringBuilder dir = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            dir.append(i == 0 ? "" : "/").append(parts[i]);
            entries.putIfAbsent(dir.toString(), new Entry(DIR | 0755, new byte[0]));
        }
        entries.put(path, e);
    }

    Cpio dir(String path) {
        put(path, new Entry(DIR | 0755, new byte[0]));
        return this;
    }

    Cpio file(String path, byte[] data, int perm) {
        put(path, new Entry(FILE | perm, data));
        return this;
    }

    Cpio file(String path, String text, int perm) {
        return file(path, text.getBytes(StandardCharsets.UTF_8), perm);
    }

    Cpio copy(String path, Path from, int perm) throws IOException {
        return file(path, Files.readAllBytes(from), perm);
    }

    Cpio symlink(String path, String target) {
        put(path, new Entry(LINK | 0777, target.getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int ino = 1;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            header(out, ino++, e.getKey(), e.getValue());
        }
        header(out, 0, "TRAILER!!!", new Entry(0, new byte[0]));
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, int ino, String name, Entry e) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        boolean dir = (e.mode & 0170000) == DIR;
        StringBuilder h = new StringBuilder("070701");
        // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
        for (long v : new long[] {ino, e.mode, 0, 0, dir ? 2 : 1, 0, e.data.length, 0, 0, 0, 0, n.length, 0}) {
            h.append(String.format("%08x", v));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        pad(out);
        out.writeBytes(e.data);
        pad(out);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
