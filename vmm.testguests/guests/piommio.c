/* Round trips through pc-testdev: the 4-byte I/O scratch register at 0xe0 and the RAM-like
 * MMIO window at 0xff000000, with 1-, 2- and 4-byte accesses. */
#include "lib.h"

#define IOMEM 0xff000000u

static void check(const char *what, u32 got, u32 want) {
    puts(what);
    puts(": ");
    put_hex(got);
    if (got != want) {
        puts(" expected ");
        put_hex(want);
        puts("\n");
        fail(what);
    }
    puts("\n");
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    outl(0xe0, 0xdeadbeef);
    check("pio 32", inl(0xe0), 0xdeadbeef);
    outl(0xe0, 0x12345678);
    check("pio 32 again", inl(0xe0), 0x12345678);

    mmio_write32(IOMEM, 0xcafef00d);
    check("mmio 32", mmio_read32(IOMEM), 0xcafef00d);
    mmio_write32(IOMEM + 0x100, 0x11223344);
    check("mmio 8 of 32", mmio_read8(IOMEM + 0x101), 0x33);
    check("mmio 16 of 32", mmio_read16(IOMEM + 0x102), 0x1122);
    mmio_write8(IOMEM + 0x200, 0xab);
    mmio_write8(IOMEM + 0x201, 0xcd);
    mmio_write16(IOMEM + 0x202, 0x0102);
    check("mmio 32 of 8+8+16", mmio_read32(IOMEM + 0x200), 0x0102cdab);
    u32 sum = 0;
    for (u32 i = 0; i < 64; i++) {
        mmio_write32(IOMEM + 0x1000 + 4 * i, i * 0x01010101u);
    }
    for (u32 i = 0; i < 64; i++) {
        sum += mmio_read32(IOMEM + 0x1000 + 4 * i);
    }
    check("mmio sum", sum, 2016u * 0x01010101u);
    puts("pio/mmio round trips ok\n");
    return 0;
}
