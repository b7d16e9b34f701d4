package vmm.dev.ide;

/**
 * The 512-byte IDENTIFY DEVICE block of an ATA disk (ATA/ATAPI-8 ACS, table 45), words in
 * little-endian order. What Linux's libata reads: the LBA28 and LBA48 sector counts, the
 * supported and selected PIO/MWDMA/UDMA modes, READ/WRITE MULTIPLE, FLUSH CACHE (EXT), and the
 * model and serial strings (byte-swapped per word, as ATA stores them).
 */
final class Identify {
    /** The largest READ/WRITE MULTIPLE block we offer, in sectors. */
    static final int MAX_MULTIPLE = 16;

    private Identify() {
    }

    /**
     * @param sectors       the disk's size in 512-byte sectors
     * @param serial        up to 20 characters
     * @param model         up to 40 characters
     * @param multiple      the current multiple-sector setting (0: off)
     * @param transferMode  the last SET FEATURES transfer mode (0x08|n PIO, 0x20|n MWDMA, 0x40|n UDMA)
     */
    static byte[] of(long sectors, String serial, String model, int multiple, int transferMode) {
        short[] w = new short[256];
        long chsSectors = Math.min(sectors, 16383L * 16 * 63);
        int cylinders = (int) Math.max(1, chsSectors / (16 * 63));
        w[0] = 0x0040;                       // fixed, not removable
        w[1] = (short) cylinders;
        w[3] = 16;                           // heads
        w[6] = 63;                           // sectors per track
        ascii(w, 10, 20, serial);
        ascii(w, 23, 8, "1.0");              // firmware revision
        ascii(w, 27, 40, model);
        w[47] = (short) (0x8000 | MAX_MULTIPLE);
        w[49] = 0x0300;                      // LBA and DMA supported (IORDY too)
        w[50] = 0x4000;
        w[53] = 0x0007;                      // words 54-58, 64-70 and 88 are valid
        w[54] = (short) cylinders;
        w[55] = 16;
        w[56] = 63;
        w[57] = (short) chsSectors;
        w[58] = (short) (chsSectors >>> 16);
        w[59] = (short) (multiple == 0 ? 0 : 0x0100 | multiple);
        long lba28 = Math.min(sectors, 0x0FFF_FFFFL);
        w[60] = (short) lba28;
        w[61] = (short) (lba28 >>> 16);
        int mode = transferMode & 0x07;
        w[63] = (short) (0x0007 | ((transferMode & 0xF8) == 0x20 ? 0x100 << mode : 0)); // MWDMA 0-2
        w[64] = 0x0003;                      // PIO 3 and 4
        w[65] = 120;                         // cycle times, ns
        w[66] = 120;
        w[67] = 120;
        w[68] = 120;
        w[80] = 0x00F0;                      // ATA/ATAPI-4 to -7
        w[81] = 0x0016;
        w[82] = 0x4060;                      // NOP (bit 14), read look-ahead, write cache
        w[83] = 0x7400;                      // LBA48, FLUSH CACHE, FLUSH CACHE EXT
        w[84] = 0x4000;
        w[85] = 0x4060;                      // look-ahead and write cache on: Linux then sends FLUSH CACHE
        w[86] = 0x3400;                      // LBA48, FLUSH CACHE (EXT) enabled
        w[87] = 0x4000;
        w[88] = (short) (0x003F | ((transferMode & 0xF8) == 0x40 ? 0x100 << mode : 0)); // UDMA 0-5
        w[93] = 0x6000 | 0x4000 | 0x0001;    // hardware reset result: device 0 passed
        for (int i = 0; i < 4; i++) {
            w[100 + i] = (short) (sectors >>> (16 * i));
        }
        w[106] = 0x4000;                     // one logical sector per physical, 512 bytes
        byte[] out = new byte[512];
        for (int i = 0; i < 255; i++) {
            out[2 * i] = (byte) w[i];
            out[2 * i + 1] = (byte) (w[i] >>> 8);
        }
        // word 255: the integrity word, signature 0xA5 and a checksum making the block sum 0
        out[510] = (byte) 0xA5;
        int sum = 0;
        for (int i = 0; i < 511; i++) {
            sum += out[i] & 0xff;
        }
        out[511] = (byte) -sum;
        return out;
    }

    /** ATA strings: space-padded, the two bytes of each word swapped. */
    private static void ascii(short[] w, int word, int length, String s) {
        for (int i = 0; i < length; i += 2) {
            int hi = i < s.length() ? s.charAt(i) & 0x7f : ' ';
            int lo = i + 1 < s.length() ? s.charAt(i + 1) & 0x7f : ' ';
            w[word + i / 2] = (short) ((hi << 8) | lo);
        }
    }
}
