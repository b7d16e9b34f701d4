package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Images qemu-img and qemu-io write read identically here. */
class ReadQemuImagesTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "compat={0} cluster_size={1} refcount_bits={2}")
    @CsvSource({
            "0.10, 512, 16", "0.10, 65536, 16", "0.10, 2M, 16",
            "1.1, 512, 1", "1.1, 1024, 2", "1.1, 4096, 4", "1.1, 8192, 8", "1.1, 65536, 16",
            "1.1, 65536, 32", "1.1, 65536, 64", "1.1, 2M, 16", "1.1, 512, 64"})
    void readsWhatQemuWrote(String compat, String clusterSize, int refcountBits) throws Exception {
        Path img = dir.resolve("q.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-o",
                "compat=" + compat + ",cluster_size=" + clusterSize + ",refcount_bits=" + refcountBits,
                img.toString(), "6M");
        Qemu.io(img, "write -P 0x11 0 4k", "write -P 0x22 1000k 70k", "write -P 0x33 5M 1M",
                "write -P 0x44 3333 777");
        if (compat.equals("1.1")) {
            Qemu.io(img, "write -z 5M 64k", "write -z 1M 2k");
        }
        Qemu.assertSameContents(img);
    }

    @Test
    void readsZeroClustersOverBackingFile() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Path top = dir.resolve("top.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", base.toString(), "4M");
        Qemu.io(base, "write -P 0x5a 0 4M");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top.toString());
        Qemu.io(top, "write -z 64k 128k", "write -P 0x77 1M 4k", "write -z 2M 100");
        Qemu.assertSameContents(top);
    }

    @Test
    void readsBackingChainsEndingInRaw() throws Exception {
        Path raw = dir.resolve("base.raw");
        Qemu.ok("qemu-img", "create", "-f", "raw", raw.toString(), "3M");
        Qemu.ok("qemu-io", "-f", "raw", "-c", "write -P 0x01 0 3M", raw.toString());
        Path mid = dir.resolve("mid.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid.toString(), "4M");
        Qemu.io(mid, "write -P 0x02 512k 512k");
        Path top = dir.resolve("top.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", top.toString(), "5M");
        Qemu.io(top, "write -P 0x03 700k 10k", "write -P 0x04 3M 1M");
        Qemu.assertSameContents(top);
    }

    @ParameterizedTest(name = "compression_type={0}")
    @CsvSource({"zlib, 65536", "zstd, 65536", "zlib, 4096", "zstd, 2M"})
    void readsCompressedClusters(String type, String clusterSize) throws Exception {
        Path src = dir.resolve("src.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", src.toString(), "8M");
        Qemu.io(src, "write -P 0x61 0 1M", "write -P 0x62 3M 17k", "write -P 0x63 6M 2M");
        Path img = dir.resolve("c.qcow2");
        Qemu.ok("qemu-img", "convert", "-c", "-O", "qcow2", "-o",
                "compression_type=" + type + ",cluster_size=" + clusterSize, src.toString(), img.toString());
        Qemu.assertSameContents(img);
        byte[] ours = Qemu.readAll(img);
        assertEquals(0x62, ours[3 * 1024 * 1024 + 5]);
    }

    @Test
    void readsExtendedL2Subclusters() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", base.toString(), "4M");
        Qemu.io(base, "write -P 0x10 0 4M");
        Path img = dir.resolve("e.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=128k", "-b", "base.qcow2",
                "-F", "qcow2", img.toString());
        Qemu.io(img, "write -P 0x20 4k 4k", "write -P 0x21 130k 3k", "write -z 512k 8k", "write -z 1M 128k",
                "write -P 0x22 2M 256k", "write -z 2M 4k");
        Qemu.assertSameContents(img);
    }

    @Test
    void readsExternalDataFile() throws Exception {
        Path img = dir.resolve("d.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-o", "data_file=" + dir.resolve("d.data"), img.toString(), "2M");
        Qemu.io(img, "write -P 0x31 100k 300k", "write -z 128k 64k");
        Qemu.assertSameContents(img);
    }
}
