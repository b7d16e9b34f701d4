package vmm.dev.ide;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A channel's shadow task file: the command block registers both drives latch, with the
 * "previous content" bytes LBA48 commands take their high halves from (ATA-8 ACS 4.13), and
 * the device control, status and error registers. Guarded by the channel's lock.
 */
final class TaskFile {
    int feature;
    int nsect;
    int lbal;
    int lbam;
    int lbah;
    int hobNsect;
    int hobLbal;
    int hobLbam;
    int hobLbah;
    int device;
    int control;
    int status;
    int error;

    /** Writes command block register 1-6; each LBA/count write pushes the old byte into its HOB half. */
    void write(int reg, int value) {
        control &= ~Ata.HOB; // a write to the task file clears HOB (ATA-8 7.10.6)
        switch (reg) {
            case 1 -> feature = value;
            case 2 -> {
                hobNsect = nsect;
                nsect = value;
            }
            case 3 -> {
                hobLbal = lbal;
                lbal = value;
            }
            case 4 -> {
                hobLbam = lbam;
                lbam = value;
            }
            case 5 -> {
                hobLbah = lbah;
                lbah = value;
            }
            case 6 -> device = value & 0x5F;
            default -> {
            }
        }
    }

    /** Reads register 1-5 (error, count, LBA), the HOB halves while device control's HOB is set. */
    int read(int reg) {
        boolean hob = (control & Ata.HOB) != 0;
        return switch (reg) {
            case 1 -> error;
            case 2 -> hob ? hobNsect : nsect;
            case 3 -> hob ? hobLbal : lbal;
            case 4 -> hob ? hobLbam : lbam;
            case 5 -> hob ? hobLbah : lbah;
            default -> 0xff;
        };
    }

    /** The signature of an ATA disk after a reset, diagnostics passed. */
    void signature() {
        nsect = hobNsect = 1;
        lbal = hobLbal = 1;
        lbam = lbah = hobLbam = hobLbah = 0;
        feature = 0;
        device = 0;
        error = 0x01;
    }

    long lba28() {
        return ((long) (device & 0x0F) << 24) | (lbah << 16) | (lbam << 8) | lbal;
    }

    long count28() {
        return nsect == 0 ? 256 : nsect;
    }

    long lba48() {
        return ((long) hobLbah << 40) | ((long) hobLbam << 32) | ((long) hobLbal << 24) | (lbah << 16)
                | (lbam << 8) | lbal;
    }

    long count48() {
        int n = (hobNsect << 8) | nsect;
        return n == 0 ? 65536 : n;
    }

    void save(DataOutputStream out) throws IOException {
        for (int v : new int[] {feature, nsect, lbal, lbam, lbah, hobNsect, hobLbal, hobLbam, hobLbah, device, control,
                status, error}) {
            out.writeByte(v);
        }
    }

    void restore(DataInputStream in) throws IOException {
        feature = in.readUnsignedByte();
        nsect = in.readUnsignedByte();
        lbal = in.readUnsignedByte();
        lbam = in.readUnsignedByte();
        lbah = in.readUnsignedByte();
        hobNsect = in.readUnsignedByte();
        hobLbal = in.readUnsignedByte();
        hobLbam = in.readUnsignedByte();
        hobLbah = in.readUnsignedByte();
        device = in.readUnsignedByte();
        control = in.readUnsignedByte();
        status = in.readUnsignedByte();
        error = in.readUnsignedByte();
    }

    void restoreFrom(TaskFile o) {
        feature = o.feature;
        nsect = o.nsect;
        lbal = o.lbal;
        lbam = o.lbam;
        lbah = o.lbah;
        hobNsect = o.hobNsect;
        hobLbal = o.hobLbal;
        hobLbam = o.hobLbam;
        hobLbah = o.hobLbah;
        device = o.device;
        control = o.control;
        status = o.status;
        error = o.error;
    }
}
