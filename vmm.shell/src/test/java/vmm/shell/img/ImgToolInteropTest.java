package vmm.shell.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.shell.img.Cli.exec;
import static vmm.shell.img.Cli.img;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every verb of {@code vmm img} against qemu-img and qemu-io as the oracle, both ways. */
class ImgToolInteropTest {
    @TempDir
    Path dir;

    private void qemuIo(String fmt, String file, String cmd) throws Exception {
        var r = exec(dir, "qemu-io", "-f", fmt, "-c", cmd, "@" + file).ok();
        assertTrue(!r.out().contains("Pattern verification failed") && !r.err().contains("failed"), cmd + ": " + r.out() + r.err());
    }

    private void qemuCheckClean(String file) throws Exception {
        var r = exec(dir, "qemu-img", "check", "@" + file);
        assertEquals(0, r.status(), "qemu-img check " + file + ":\n" + r.out() + r.err());
    }

    @Test
    void createdImageIsWhatQemuImgExpects() throws Exception {
        img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096,compat=1.1", "@a.qcow2", "16M").ok();
        var info = exec(dir, "qemu-img", "info", "--output=json", "@a.qcow2").ok().out();
        assertTrue(info.contains("\"virtual-size\": 16777216"), info);
        assertTrue(info.contains("\"cluster-size\": 4096"), info);
        assertTrue(info.contains("\"compat\": \"1.1\""), info);
        qemuCheckClean("a.qcow2");
        var ours = img(dir, "info", "--output=json", "@a.qcow2").ok().out();
        assertTrue(ours.contains("\"virtual-size\": 16777216") && ours.contains("\"format\": \"qcow2\""), ours);
    }

    @Test
    void convertRawToQcow2AndBackBothTools() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "raw", "@src.raw", "8M").ok();
        qemuIo("raw", "src.raw", "write -P 0x5a 0 300k");
        qemuIo("raw", "src.raw", "write -P 0xa5 5M 64k");
        img(dir, "convert", "-f", "raw", "-O", "qcow2", "@src.raw", "@ours.qcow2").ok();
        qemuCheckClean("ours.qcow2");
        assertEquals(0, exec(dir, "qemu-img", "compare", "-f", "raw", "-F", "qcow2", "@src.raw", "@ours.qcow2").status());
        // Sparse: 8 MiB of virtual disk, well under 1 MiB of file.
        assertTrue(Files.size(dir.resolve("ours.qcow2")) < 1 << 20, "convert kept zero ranges unallocated");

        exec(dir, "qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "@src.raw", "@theirs-c.qcow2").ok();
        img(dir, "convert", "-f", "qcow2", "-O", "raw", "@theirs-c.qcow2", "@back.raw").ok();
        assertEquals(0, exec(dir, "cmp", "@src.raw", "@back.raw").status(), "compressed qcow2 read back identically");
        assertEquals(0, img(dir, "compare", "@src.raw", "@back.raw").status());
    }

    @Test
    void compressedConvertIsReadableByQemu() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "raw", "@src.raw", "4M").ok();
        qemuIo("raw", "src.raw", "write -P 0x33 0 2M");
        img(dir, "convert", "-c", "-p", "-O", "qcow2", "@src.raw", "@c.qcow2").ok();
        qemuCheckClean("c.qcow2");
        assertEquals(0, exec(dir, "qemu-img", "compare", "@src.raw", "@c.qcow2").status());
        assertTrue(Files.size(dir.resolve("c.qcow2")) < 512 * 1024, "2 MiB of one byte compresses");
    }

    @Test
    void snapshotsCrossBetweenTools() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "qcow2", "@s.qcow2", "4M").ok();
        qemuIo("qcow2", "s.qcow2", "write -P 0x11 0 128k");
        img(dir, "snapshot", "-c", "ours", "@s.qcow2").ok();
        qemuIo("qcow2", "s.qcow2", "write -P 0x22 0 128k");
        var list = exec(dir, "qemu-img", "snapshot", "-l", "@s.qcow2").ok().out();
        assertTrue(list.contains("ours"), list);
        exec(dir, "qemu-img", "snapshot", "-a", "ours", "@s.qcow2").ok();
        qemuIo("qcow2", "s.qcow2", "read -P 0x11 0 128k");

        qemuIo("qcow2", "s.qcow2", "write -P 0x33 0 64k");
        exec(dir, "qemu-img", "snapshot", "-c", "theirs", "@s.qcow2").ok();
        qemuIo("qcow2", "s.qcow2", "write -P 0x44 0 64k");
        var ours = img(dir, "snapshot", "-l", "@s.qcow2").ok().out();
        assertTrue(ours.contains("ours") && ours.contains("theirs"), ours);
        img(dir, "snapshot", "-a", "theirs", "@s.qcow2").ok();
        qemuIo("qcow2", "s.qcow2", "read -P 0x33 0 64k");
        img(dir, "snapshot", "-d", "ours", "@s.qcow2").ok();
        var after = exec(dir, "qemu-img", "snapshot", "-l", "@s.qcow2").ok().out();
        assertTrue(!after.contains("ours") && after.contains("theirs"), after);
        qemuCheckClean("s.qcow2");
    }

    @Test
    void safeRebaseKeepsTheGuestView() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "raw", "@base1.raw", "4M").ok();
        exec(dir, "qemu-img", "create", "-f", "raw", "@base2.raw", "4M").ok();
        qemuIo("raw", "base1.raw", "write -P 0x11 0 1M");
        qemuIo("raw", "base2.raw", "write -P 0x22 512k 1M");
        exec(dir, "qemu-img", "create", "-f", "qcow2", "-b", "base1.raw", "-F", "raw", "@top.qcow2").ok();
        qemuIo("qcow2", "top.qcow2", "write -P 0x33 3M 64k");
        exec(dir, "qemu-img", "convert", "-O", "raw", "@top.qcow2", "@before.raw").ok();

        img(dir, "rebase", "-b", "base2.raw", "-F", "raw", "@top.qcow2").ok();
        var info = exec(dir, "qemu-img", "info", "@top.qcow2").ok().out();
        assertTrue(info.contains("backing file: base2.raw"), info);
        qemuCheckClean("top.qcow2");
        assertEquals(0, exec(dir, "qemu-img", "compare", "@before.raw", "@top.qcow2").status(), "guest view unchanged");
    }

    @Test
    void commitWritesIntoTheBackingFileAndEmptiesTheOverlay() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "qcow2", "@base.qcow2", "4M").ok();
        qemuIo("qcow2", "base.qcow2", "write -P 0x11 0 1M");
        exec(dir, "qemu-img", "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "@top.qcow2").ok();
        qemuIo("qcow2", "top.qcow2", "write -P 0x77 256k 128k");
        img(dir, "commit", "@top.qcow2").ok();
        qemuIo("qcow2", "base.qcow2", "read -P 0x77 256k 128k");
        qemuIo("qcow2", "base.qcow2", "read -P 0x11 0 256k");
        var map = exec(dir, "qemu-img", "map", "--output=json", "@top.qcow2").ok().out();
        assertTrue(!map.contains("\"depth\": 0, \"present\": true"), "overlay emptied: " + map);
        qemuIo("qcow2", "top.qcow2", "read -P 0x77 256k 128k");
        qemuCheckClean("base.qcow2");
        qemuCheckClean("top.qcow2");
    }

    @Test
    void resizeGrowsAndShrinksOnlyWhenAsked() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "qcow2", "@r.qcow2", "4M").ok();
        img(dir, "resize", "@r.qcow2", "+4M").ok();
        assertTrue(exec(dir, "qemu-img", "info", "@r.qcow2").ok().out().contains("(8388608 bytes)"));
        var refused = img(dir, "resize", "@r.qcow2", "2M");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("--shrink"), refused.err());
        img(dir, "resize", "--shrink", "@r.qcow2", "2M").ok();
        assertTrue(exec(dir, "qemu-img", "info", "@r.qcow2").ok().out().contains("(2097152 bytes)"));
        qemuCheckClean("r.qcow2");
    }

    @Test
    void mapAgreesWithQemuImgOnWhereDataIs() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "qcow2", "@m.qcow2", "8M").ok();
        qemuIo("qcow2", "m.qcow2", "write -P 0x11 0 128k");
        qemuIo("qcow2", "m.qcow2", "write -z 1M 64k");
        qemuIo("qcow2", "m.qcow2", "write -P 0x12 4M 64k");
        var ours = img(dir, "map", "--output=json", "@m.qcow2").ok().out();
        var theirs = exec(dir, "qemu-img", "map", "--output=json", "@m.qcow2").ok().out();
        assertEquals(dataRanges(theirs), dataRanges(ours), "ours:\n" + ours + "\ntheirs:\n" + theirs);
    }

    /** "start+length" of every range that holds data, from either tool's JSON. */
    private static java.util.List<String> dataRanges(String json) {
        java.util.List<String> out = new java.util.ArrayList<>();
        var m = java.util.regex.Pattern.compile("\"start\": (\\d+), \"length\": (\\d+),[^}]*\"data\": true")
                .matcher(json.replaceAll("\\s+", " ").replace("{ ", "{").replace(" }", "}"));
        while (m.find()) {
            out.add(m.group(1) + "+" + m.group(2));
        }
        return out;
    }

    @Test
    void checkFindsAndRepairsALeak() throws Exception {
        exec(dir, "qemu-img", "create", "-f", "qcow2", "@l.qcow2", "4M").ok();
        qemuIo("qcow2", "l.qcow2", "write -P 0x11 0 64k");
        // Drop the L2 entry of guest cluster 0: its data cluster is still counted, referenced by nothing.
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("l.qcow2").toFile(), "rw")) {
            f.seek(40);
            long l1 = f.readLong();
            f.seek(l1);
            long l2 = f.readLong() & 0x00fffffffffffe00L;
            f.seek(l2);
            f.writeLong(0);
        }
        assertEquals(3, exec(dir, "qemu-img", "check", "@l.qcow2").status(), "qemu-img sees the leak too");
        var found = img(dir, "check", "@l.qcow2");
        assertEquals(3, found.status(), found.out() + found.err());
        assertTrue(found.out().contains("1 leaked clusters"), found.out());
        img(dir, "check", "-r", "leaks", "@l.qcow2").ok();
        qemuCheckClean("l.qcow2");
    }

    @Test
    void badInputGetsNamedErrors() throws Exception {
        assertEquals(1, img(dir, "frobnicate").status());
        var missing = img(dir, "info", "@nope.qcow2");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.qcow2"), missing.err());
        Files.write(dir.resolve("trunc.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        var trunc = img(dir, "info", "@trunc.qcow2");
        assertEquals(1, trunc.status());
        assertTrue(trunc.err().contains("trunc.qcow2"), trunc.err());
        var opt = img(dir, "create", "-f", "qcow2", "-o", "cluster_sise=64k", "@x.qcow2", "1M");
        assertEquals(1, opt.status());
        assertTrue(opt.err().contains("cluster_sise"), opt.err());
    }
}
