package vmm.dev.ide;

/** ATA register bits and command opcodes (ATA/ATAPI-8 ACS), named once. */
final class Ata {
    private Ata() {
    }

    // status register
    static final int BSY = 0x80;
    static final int DRDY = 0x40;
    static final int DF = 0x20;
    static final int DSC = 0x10;
    static final int DRQ = 0x08;
    static final int ERR = 0x01;

    // error register
    static final int UNC = 0x40;
    static final int IDNF = 0x10;
    static final int ABRT = 0x04;

    // device control register
    static final int NIEN = 0x02;
    static final int SRST = 0x04;
    static final int HOB = 0x80;

    // device register
    static final int DEV = 0x10;
    static final int LBA = 0x40;

    // commands
    static final int READ_SECTORS = 0x20;
    static final int READ_SECTORS_NR = 0x21;
    static final int READ_SECTORS_EXT = 0x24;
    static final int READ_DMA_EXT = 0x25;
    static final int READ_MULTIPLE_EXT = 0x29;
    static final int WRITE_SECTORS = 0x30;
    static final int WRITE_SECTORS_NR = 0x31;
    static final int WRITE_SECTORS_EXT = 0x34;
    static final int WRITE_DMA_EXT = 0x35;
    static final int WRITE_MULTIPLE_EXT = 0x39;
    static final int VERIFY = 0x40;
    static final int VERIFY_NR = 0x41;
    static final int VERIFY_EXT = 0x42;
    static final int DIAGNOSE = 0x90;
    static final int INIT_PARAMS = 0x91;
    static final int READ_MULTIPLE = 0xC4;
    static final int WRITE_MULTIPLE = 0xC5;
    static final int SET_MULTIPLE = 0xC6;
    static final int READ_DMA = 0xC8;
    static final int READ_DMA_NR = 0xC9;
    static final int WRITE_DMA = 0xCA;
    static final int WRITE_DMA_NR = 0xCB;
    static final int STANDBY_NOW = 0xE0;
    static final int IDLE_NOW = 0xE1;
    static final int CHECK_POWER = 0xE5;
    static final int FLUSH_CACHE = 0xE7;
    static final int FLUSH_CACHE_EXT = 0xEA;
    static final int IDENTIFY = 0xEC;
    static final int SET_FEATURES = 0xEF;

    // SET FEATURES subcommands
    static final int SF_WRITE_CACHE_ON = 0x02;
    static final int SF_XFER_MODE = 0x03;
    static final int SF_LOOKAHEAD_OFF = 0x55;
    static final int SF_WRITE_CACHE_OFF = 0x82;
    static final int SF_LOOKAHEAD_ON = 0xAA;
}
