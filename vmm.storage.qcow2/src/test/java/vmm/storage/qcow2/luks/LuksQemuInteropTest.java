package vmm.storage.qcow2.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interop with QEMU's LUKS implementation, both as a standalone {@code .luks} file and inside
 * qcow2. QEMU images are made with a short iter-time so unlocking them here stays fast.
 */
class LuksQemuInteropTest {

    private static final String PASS = "PASS";
    private static final int MIB = 1 << 20;

    /** QEMU-made images, created once because QEMU spends a second calibrating PBKDF2 each time. */
    @TempDir
    static Path qemuImages;

    @TempDir
    Path dir;

    @BeforeAll
    static void createQemuImages() throws Exception {
        // run-tests installs qemu-utils: without it this test must fail, not skip.
        if (!QemuTool.available()) {
            throw new IllegalStateException("qemu-img is not installed (scripts/guest-material --tools installs it)");
        }
        // In parallel: each create burns ~2.5 s of CPU in QEMU's PBKDF2 calibration.
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> creates = new ArrayList<>();
            for (String alg : new String[] {"aes-128", "aes-256"}) {
                creates.add(pool.submit(() -> {
                    QemuTool.createEncrypted(qemuImages, "qemu-img", "create", "-f", "luks", "--object",
                            QemuTool.secret(PASS), "-o", "key-secret=s0,iter-time=10,cipher-alg=" + alg,
                            alg + ".luks", "4M");
                    return null;
                }));
            }
            creates.add(pool.submit(() -> {
                QemuTool.createEncrypted(qemuImages, "qemu-img", "create", "-f", "qcow2", "--object",
                        QemuTool.secret(PASS), "-o", "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10",
                        "x.qcow2", "4M");
                return null;
            }));
            for (Future<?> f : creates) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        QemuTool.qemuIoLuks(qemuImages, "aes-256.luks", PASS, "write -P 0x5a 0 64k", "write -P 0x3c 1M 4k");
        QemuTool.qemuIoQcow2(qemuImages, "x.qcow2", PASS, "write -P 0x5a 1M 64k");
    }

    private static byte[] read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            assertTrue(ch.read(b, offset + b.position()) >= 0, "short file");
        }
        return b.array();
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** A private copy of a QEMU-made image for a test that modifies it. */
    private Path copyOfQemuImage(String name) throws IOException {
        return Files.copy(qemuImages.resolve(name), dir.resolve(name));
    }

    @Test
    void qemuLuksFileDecryptsHere() throws Exception {
        try (FileChannel ch = FileChannel.open(qemuImages.resolve("aes-256.luks"), StandardOpenOption.READ)) {
            LuksHeader h = LuksHeader.readStandalone("aes-256.luks", ch);
            assertEquals(2068480, h.payloadOffset());
            SectorCipher c = h.unlock(PASS);
            byte[] first = read(ch, h.payloadOffset(), 64 * 1024);
            c.decrypt(0, first, 0, first.length);
            assertArrayEquals(filled(64 * 1024, 0x5a), first);
            // Sector numbers count from the payload start, not from the start of the file.
            byte[] later = read(ch, h.payloadOffset() + MIB, 4096);
            c.decrypt(MIB / 512, later, 0, later.length);
            assertArrayEquals(filled(4096, 0x3c), later);

            WrongPassphraseException e = assertThrows(WrongPassphraseException.class, () -> h.unlock("pass"));
            assertEquals("aes-256.luks: wrong passphrase: none of the 1 active LUKS key slots accepts it", e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-128", "aes-256"})
    void ourLuksFileReadsInQemuWithQemusLayout(String cipherAlg) throws Exception {
        LuksHeader.Created created = LuksHeader.create("y.luks", PASS,
                LuksCreateOptions.fromQemuOptions(Map.of("cipher-alg", cipherAlg)));
        LuksHeader ours = created.header();

        try (FileChannel ch = FileChannel.open(qemuImages.resolve(cipherAlg + ".luks"), StandardOpenOption.READ)) {
            LuksHeader theirs = LuksHeader.readStandalone(cipherAlg + ".luks", ch);
            assertEquals(theirs.payloadOffset(), ours.payloadOffset());
            assertEquals(theirs.keyBytes(), ours.keyBytes());
            for (int i = 0; i < LuksHeader.KEY_SLOTS; i++) {
                assertEquals(theirs.keySlots().get(i).keyMaterialSector(), ours.keySlots().get(i).keyMaterialSector());
            }
        }

        byte[] plain = new byte[4 * MIB];
        Arrays.fill(plain, 0, 64 * 1024, (byte) 0xa5);
        Arrays.fill(plain, MIB, MIB + 4096, (byte) 0x3c);
        Files.write(dir.resolve("plain.raw"), plain);
        byte[] payload = plain.clone();
        created.cipher().encrypt(0, payload, 0, payload.length);
        try (FileChannel ch = FileChannel.open(dir.resolve("y.luks"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(ours.toBytes()), 0);
            ch.write(ByteBuffer.wrap(payload), ours.payloadOffset());
        }

        String info = QemuTool.run(dir, "qemu-img", "info", "y.luks");
        assertTrue(info.contains("cipher alg: " + cipherAlg) && info.contains("ivgen alg: plain64"), info);
        QemuTool.qemuIoLuks(dir, "y.luks", PASS, "read -P 0xa5 0 64k", "read -P 0x3c 1M 4k", "read -P 0 2M 64k");
        String cmp = QemuTool.run(dir, "qemu-img", "compare", "--object", QemuTool.secret(PASS), "--image-opts",
                "driver=luks,key-secret=s0,file.filename=y.luks", "driver=raw,file.filename=plain.raw");
        assertTrue(cmp.contains("Images are identical"), cmp);
    }

    /** What the qcow2 engine would find: the LUKS region, and one guest cluster's host offset. */
    private record Qcow2Facts(long luksOffset, long luksLength, long hostOffset, int clusterSize) {
    }

    private static Qcow2Facts qcow2Facts(FileChannel ch, long guestOffset) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(read(ch, 0, 4096));
        assertEquals(0x514649fb, h.getInt(0));
        assertEquals(3, h.getInt(4));
        int clusterBits = h.getInt(20);
        assertEquals(2, h.getInt(32), "crypt_method LUKS");
        long l1Offset = h.getLong(40);
        long luksOffset = -1;
        long luksLength = -1;
        for (int at = h.getInt(100); h.getInt(at) != 0; at += 8 + (h.getInt(at + 4) + 7) / 8 * 8) {
            if (h.getInt(at) == 0x0537be77) {
                luksOffset = h.getLong(at + 8);
                luksLength = h.getLong(at + 16);
            }
        }
        assertTrue(luksOffset > 0, "no full disk encryption header pointer extension");
        int clusterSize = 1 << clusterBits;
        long cluster = guestOffset >> clusterBits;
        long l2Entries = clusterSize / 8;
        long mask = 0x00ff_ffff_ffff_fe00L;
        long l2 = ByteBuffer.wrap(read(ch, l1Offset + cluster / l2Entries * 8, 8)).getLong() & mask;
        assertTrue(l2 > 0, "no L2 table");
        long host = ByteBuffer.wrap(read(ch, l2 + cluster % l2Entries * 8, 8)).getLong() & mask;
        assertTrue(host > 0, "guest cluster not allocated");
        return new Qcow2Facts(luksOffset, luksLength, host + guestOffset % clusterSize, clusterSize);
    }

    @Test
    void qcow2ClustersUseTheHostOffsetAsSectorNumber() throws Exception {
        long guest = MIB;
        Qcow2Facts f;
        try (FileChannel ch = FileChannel.open(copyOfQemuImage("x.qcow2"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            f = qcow2Facts(ch, guest);
            assertTrue(f.hostOffset() != guest, "test needs host and guest offsets to differ");
            LuksHeader h = LuksHeader.readEmbedded("x.qcow2", ch, f.luksOffset(), f.luksLength());
            assertEquals(h.payloadOffset(), f.luksLength(), "QEMU sizes the region to the LUKS payload offset");
            SectorCipher c = h.unlock(PASS);

            byte[] asHost = read(ch, f.hostOffset(), 64 * 1024);
            byte[] asGuest = asHost.clone();
            c.decrypt(f.hostOffset() / 512, asHost, 0, asHost.length);
            assertArrayEquals(filled(64 * 1024, 0x5a), asHost);
            c.decrypt(guest / 512, asGuest, 0, asGuest.length);
            assertFalse(Arrays.equals(filled(64 * 1024, 0x5a), asGuest), "guest-offset IVs must not decrypt");

            // The other direction: a cluster we encrypt is what QEMU reads.
            byte[] ours = filled(64 * 1024, 0x77);
            c.encrypt(f.hostOffset() / 512, ours, 0, ours.length);
            ch.write(ByteBuffer.wrap(ours), f.hostOffset());
        }
        QemuTool.qemuIoQcow2(dir, "x.qcow2", PASS, "read -P 0x77 1M 64k");
    }

    @Test
    void ourHeaderInsideQemusQcow2OpensInQemu() throws Exception {
        LuksHeader.Created created = LuksHeader.create("x.qcow2", "new passphrase", LuksCreateOptions.defaults());
        try (FileChannel ch = FileChannel.open(copyOfQemuImage("x.qcow2"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Qcow2Facts f = qcow2Facts(ch, MIB);
            byte[] region = created.header().toBytes();
            assertEquals(f.luksLength(), region.length, "same region size as QEMU for aes-256");
            ch.write(ByteBuffer.wrap(region), f.luksOffset());
            byte[] cluster = filled(64 * 1024, 0x66);
            created.cipher().encrypt(f.hostOffset() / 512, cluster, 0, cluster.length);
            ch.write(ByteBuffer.wrap(cluster), f.hostOffset());
        }
        QemuTool.qemuIoQcow2(dir, "x.qcow2", "new passphrase", "read -P 0x66 1M 64k");
    }
}
