package vmm.dev.virtio.uml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.Extent;
import vmm.core.block.OpenOptions;
import vmm.dev.virtio.device.VirtioBlk;
import vmm.dev.virtio.vhost.VhostUserBackend;
import vmm.storage.qcow2.Qcow2Format;
import vmm.storage.raw.RawFormat;

/**
 * Linux's own virtio_blk driver (user-mode Linux) on our vhost-user backend, over a raw image
 * and a qcow2 image with a backing file: one boot for the class, the checks split by concern.
 */
class VirtioBlkUmlTest {
    static final long RAW_SIZE = 64L << 20;
    static final long QCOW_SIZE = 32L << 20;
    static final long HOST_PATTERN_AT = 1L << 20;
    static final long GUEST_PATTERN_AT = 2L << 20;
    static final BlockFormats FORMATS = BlockFormats.of(new RawFormat(), new Qcow2Format());

    @TempDir
    static Path dir;
    static String console;
    static Path raw;
    static Path qcow;
    static CountingImage rawImage;
    static CountingImage qcowImage;
    static byte[] hostPattern;

    @BeforeAll
    static void boot() throws Exception {
        raw = dir.resolve("disk.raw");
        try (FileChannel ch = FileChannel.open(raw, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), RAW_SIZE - 1);
            hostPattern = "host-wrote-this!".repeat(256).getBytes(StandardCharsets.US_ASCII);
            ch.write(ByteBuffer.wrap(hostPattern), HOST_PATTERN_AT);
        }
        Path base = dir.resolve("base.raw");
        Files.write(base, new byte[0]);
        try (FileChannel ch = FileChannel.open(base, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("backing-file-data".repeat(240).getBytes(StandardCharsets.US_ASCII)), 12L << 20);
            ch.write(ByteBuffer.allocate(1), QCOW_SIZE - 1);
        }
        qcow = dir.resolve("disk.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", qcow.toString());
        rawImage = new CountingImage(FORMATS.open(raw, "raw", OpenOptions.readWrite()));
        qcowImage = new CountingImage(FORMATS.open(qcow, "qcow2", OpenOptions.readWrite()));
        Path rawSock = dir.resolve("raw.sock");
        Path qcowSock = dir.resolve("qcow.sock");
        try (VhostUserBackend a = VhostUserBackend.listen(new VirtioBlk("raw", rawImage, "rawserial", 1, 4), rawSock, "raw");
             VhostUserBackend b = VhostUserBackend.listen(new VirtioBlk("qcow", qcowImage, "qcowserial", 2, 4), qcowSock, "qcow")) {
            console = UmlGuest.run(dir, INIT, List.of(rawSock + ":2", qcowSock + ":2"), "128M", 60);
        }
        rawImage.close();
        qcowImage.close();
    }

    static final String INIT = """
            insmod /lib/modules/virtio_blk.ko
            for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vdb ] && break; sleep 0.2; done
            echo VDA_SECTORS=$(cat /sys/block/vda/size)
            echo VDB_SECTORS=$(cat /sys/block/vdb/size)
            echo HOST_PATTERN=$(dd if=/dev/vda bs=4096 skip=256 count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
            yes guest-wrote-this | head -c 1048576 > /tmp/pat
            echo GUEST_PATTERN=$(md5sum < /tmp/pat | cut -d' ' -f1)
            dd if=/tmp/pat of=/dev/vda bs=65536 seek=32 oflag=direct conv=fsync 2>/dev/null
            echo BACKING=$(dd if=/dev/vdb bs=4096 skip=3072 count=1 iflag=direct 2>/dev/null | head -c 17)
            dd if=/tmp/pat of=/dev/vdb bs=65536 count=64 oflag=direct 2>/dev/null
            dd if=/tmp/pat of=/dev/vdb bs=65536 seek=128 count=64 oflag=direct conv=fsync 2>/dev/null
            echo READBACK=$(dd if=/dev/vdb bs=65536 skip=128 count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
            blkdiscard -o 0 -l 4194304 /dev/vdb && echo DISCARD=ok
            sync
            """;

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void driverSeesTheSizeOfEachImage() {
        assertEquals(RAW_SIZE / 512, Long.parseLong(UmlGuest.value(console, "VDA_SECTORS")));
        assertEquals(QCOW_SIZE / 512, Long.parseLong(UmlGuest.value(console, "VDB_SECTORS")));
    }

    @Test
    void guestReadsWhatTheHostWrote() throws Exception {
        byte[] page = new byte[4096];
        System.arraycopy(hostPattern, 0, page, 0, hostPattern.length);
        assertEquals(md5(page), UmlGuest.value(console, "HOST_PATTERN"));
    }

    @Test
    void hostReadsWhatTheGuestWrote() throws Exception {
        byte[] got = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(raw)) {
            ch.read(ByteBuffer.wrap(got), GUEST_PATTERN_AT);
        }
        assertEquals(UmlGuest.value(console, "GUEST_PATTERN"), md5(got));
        assertTrue(new String(got, 0, 17, StandardCharsets.US_ASCII).startsWith("guest-wrote-this"));
    }

    @Test
    void flushReachesTheImage() {
        assertTrue(rawImage.flushes.get() > 0, "conv=fsync sends a flush");
        assertTrue(qcowImage.flushes.get() > 0);
    }

    @Test
    void qcow2ReadsThroughToItsBackingFileAndBack() throws Exception {
        assertEquals("backing-file-data", UmlGuest.value(console, "BACKING"));
        byte[] pat = new byte[1 << 20];
        byte[] line = "guest-wrote-this\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < pat.length; i++) {
            pat[i] = line[i % line.length];
        }
        assertEquals(md5(pat), UmlGuest.value(console, "READBACK"));
    }

    @Test
    void discardFreesClustersOfTheQcow2Image() throws Exception {
        assertEquals("ok", UmlGuest.value(console, "DISCARD"));
        assertTrue(qcowImage.discards.get() > 0);
        try (BlockImage img = FORMATS.open(qcow, "qcow2", OpenOptions.readOnlyImage().withNoBacking(true))) {
            Extent discarded = img.mapExtent(0, 4L << 20);
            assertFalse(discarded.data() && discarded.depth() == 0, "discarded range still allocated: " + discarded);
            Extent kept = img.mapExtent(8L << 20, 4L << 20);
            assertTrue(kept.data() && kept.depth() == 0, "written range not allocated: " + kept);
        }
        run("qemu-img", "check", "-q", qcow.toString());
    }

}
