package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ide guest (guests/ide.c) drives the primary IDE channel at the legacy ports by PIO:
 * IDENTIFY, a read of the host's sector 2, a write of sector 1, FLUSH CACHE, an aborted
 * command. QEMU's PC (PIIX3 IDE, {@code if=ide}) is the reference; ours runs it through
 * {@code vmm run --device ide,...} on the software CPU, raw and qcow2.
 */
class IdeGuestTest {
    static final int OK_STATUS = 1; // debug-exit value 0
    static final byte[] GUEST_MARK = "IDE guest wrote sector 1".getBytes(StandardCharsets.US_ASCII);
    static final List<String> EXPECT = List.of(", lba48 1, sectors 4\n", "read ok\n", "write ok\n", "flush ok\n",
            "abort ok\n", "ide ok\n");

    @TempDir
    Path dir;

    /** A 4-sector raw image whose sector 2 holds the pattern the guest checks. */
    private Path rawImage(String name) throws IOException {
        byte[] b = new byte[4 * 512];
        for (int i = 0; i < 512; i++) {
            b[1024 + i] = (byte) (i * 7 + 3);
        }
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private static void assertSerial(String serial) {
        for (String line : EXPECT) {
            assertTrue(serial.contains(line), "'" + line.strip() + "' in the serial output:\n" + serial);
        }
    }

    private static void assertGuestWrote(byte[] image) {
        assertArrayEquals(GUEST_MARK, Arrays.copyOfRange(image, 512, 512 + GUEST_MARK.length));
    }

    @Test
    void qemuReference() throws Exception {
        Path img = rawImage("qemu.img");
        Qemu.Result r = Qemu.run(Guests.elf("ide"), 1, null, false, 60,
                List.of("-drive", "file=" + img + ",if=ide,format=raw"));
        assertSerial(r.serial());
        assertEquals(OK_STATUS, r.status(), "QEMU exit status; serial:\n" + r.serial());
        assertGuestWrote(Files.readAllBytes(img));
    }

    @Test
    void rawImageThroughRunTool() throws Exception {
        assertTrue(Accelerators.unusable("emu").isEmpty(), () -> Accelerators.unusable("emu").get());
        Path img = rawImage("emu.img");
        RunToolTest.Run r = RunToolTest.run("--kernel", Guests.elf("ide").toString(), "--accel", "emu",
                "--device", "ide,file=" + img + ",format=raw");
        assertEquals(OK_STATUS, r.status(), "exit status; stderr:\n" + r.err() + "\nserial:\n" + r.out());
        assertSerial(r.out());
        assertTrue(r.out().contains("model VMM HARDDISK, "), r.out());
        assertGuestWrote(Files.readAllBytes(img));
    }

    @Test
    void qcow2ImageThroughRunTool() throws Exception {
        Path raw = rawImage("src.img");
        Path img = dir.resolve("emu.qcow2");
        LinuxGuest.exec(dir, 60, "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), img.toString());
        RunToolTest.Run r = RunToolTest.run("--kernel", Guests.elf("ide").toString(), "--accel", "emu",
                "--device", "ide,file=" + img + ",format=qcow2");
        assertEquals(OK_STATUS, r.status(), "exit status; stderr:\n" + r.err() + "\nserial:\n" + r.out());
        assertSerial(r.out());
        Path back = dir.resolve("back.raw");
        LinuxGuest.exec(dir, 60, "qemu-img", "convert", "-f", "qcow2", "-O", "raw", img.toString(), back.toString());
        assertGuestWrote(Files.readAllBytes(back));
    }

    @Test
    void aReadOnlyDiskAbortsTheWrite() throws Exception {
        Path img = rawImage("ro.img");
        byte[] before = Files.readAllBytes(img);
        RunToolTest.Run r = RunToolTest.run("--kernel", Guests.elf("ide").toString(), "--accel", "emu",
                "--device", "ide,file=" + img + ",format=raw,readonly=on");
        assertEquals((0x23 << 1) | 1, r.status(), "the write step fails; serial:\n" + r.out());
        assertTrue(r.out().contains("read ok\nFAIL: WRITE SECTORS"), r.out());
        assertArrayEquals(before, Files.readAllBytes(img));
    }
}
