package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A minimal well-formed bzImage (setup header of protocol 2.15, 4 setup sectors, an 8 KiB
 * "protected-mode kernel" of a known pattern) whose fields tests then spoil one at a time.
 */
final class SyntheticBzImage {

    static final int SETUP_SECTS = 4;
    static final int SETUP_SIZE = (SETUP_SECTS + 1) * 512;
    static final int KERNEL_SIZE = 8192;

    final ByteBuffer bytes = ByteBuffer.allocate(SETUP_SIZE + KERNEL_SIZE).order(ByteOrder.LITTLE_ENDIAN);

    SyntheticBzImage() {
        bytes.put(0x1f1, (byte) SETUP_SECTS);
        bytes.putInt(0x1f4, KERNEL_SIZE / 16);
        bytes.putShort(0x1fe, (short) 0xaa55);
        bytes.put(0x200, (byte) 0xeb).put(0x201, (byte) 0x6a); // jmp to 0x26c: the header ends there
        bytes.putInt(0x202, 0x53726448);
        bytes.putShort(0x206, (short) 0x020f);
        bytes.put(0x211, (byte) 0x01);
        bytes.putInt(0x22c, 0x7fffffff);
        bytes.putInt(0x230, 0x20_0000);
        bytes.put(0x234, (byte) 1);
        bytes.put(0x235, (byte) 21);
        bytes.putShort(0x236, (short) 0x1);
        bytes.putInt(0x238, 255);
        bytes.putInt(0x248, 0x100);
        bytes.putInt(0x24c, 0x100);
        bytes.putLong(0x258, 0x100_0000);
        bytes.putInt(0x260, 0x40_0000);
        for (int i = SETUP_SIZE; i < bytes.capacity(); i++) {
            bytes.put(i, (byte) (i * 13));
        }
    }

    Path write(Path file) throws IOException {
        return Files.write(file, bytes.array());
    }

    Path writeTruncated(Path file, int length) throws IOException {
        return Files.write(file, Arrays.copyOf(bytes.array(), length));
    }
}
