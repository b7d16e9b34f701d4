package vmm.dev.ide;

import java.io.IOException;
import java.nio.ByteBuffer;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;

/**
 * One bus-master DMA transfer: walks the guest's physical region descriptor table (8-byte
 * entries: a 32-bit buffer address, a 16-bit byte count where 0 means 64 KiB, bit 31 of the
 * second dword ends the table) and moves the bytes between the disk and those buffers. Every
 * guest access goes through {@link GuestMemory}, so a hostile table fails the transfer.
 */
final class PrdTransfer {
    /** A table lies in one 64 KiB region, so it has at most this many entries. */
    static final int MAX_ENTRIES = 65536 / 8;

    /** Why a transfer stopped short; the channel turns it into an error status. */
    static final class Fault extends Exception {
        Fault(String message) {
            super(message);
        }
    }

    private PrdTransfer() {
    }

    /**
     * Moves {@code sectors} sectors starting at {@code lba}: to guest memory when
     * {@code toMemory}, else from it.
     *
     * @throws Fault       the table is shorter than the transfer, or names memory outside RAM
     * @throws IOException the image failed
     */
    static void run(GuestMemory memory, long table, AtaDrive drive, long lba, long sectors, boolean toMemory)
            throws Fault, IOException {
        long remaining = sectors * AtaDrive.SECTOR;
        long offset = lba * AtaDrive.SECTOR;
        long entry = table & 0xFFFF_FFFCL;
        try {
            for (int i = 0; remaining > 0; i++) {
                if (i == MAX_ENTRIES) {
                    throw new Fault("PRD table at 0x" + Long.toHexString(table) + " has no end-of-table entry");
                }
                long address = memory.readInt(entry) & 0xFFFF_FFFEL;
                int flags = memory.readInt(entry + 4);
                int count = flags & 0xFFFE;
                int bytes = (int) Math.min(remaining, count == 0 ? 65536 : count);
                ByteBuffer buffer = ByteBuffer.allocate(bytes);
                if (toMemory) {
                    drive.readBytes(offset, buffer);
                    buffer.flip();
                    memory.write(address, buffer);
                } else {
                    memory.read(address, buffer);
                    buffer.flip();
                    drive.writeBytes(offset, buffer);
                }
                offset += bytes;
                remaining -= bytes;
                if (remaining > 0 && flags < 0) {
                    throw new Fault("PRD table at 0x" + Long.toHexString(table) + " ends " + remaining
                            + " bytes before the transfer does");
                }
                entry += 8;
            }
        } catch (GuestMemoryException e) {
            throw new Fault("PRD table at 0x" + Long.toHexString(table) + ": " + e.getMessage());
        }
    }
}
