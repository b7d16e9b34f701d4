/* Configuration mechanism #1: 00:00.0 is the i440FX host bridge (8086:1237, class 0600). */
#include "lib.h"

static u32 config_read(int bus, int dev, int fn, int reg) {
    outl(0xcf8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc));
    return inl(0xcfc);
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    u32 id = config_read(0, 0, 0, 0);
    puts("00:00.0 id ");
    put_hex(id);
    puts("\n");
    if (id != 0x12378086u) {
        fail("00:00.0 is not the i440FX host bridge");
    }
    u32 class = config_read(0, 0, 0, 8) >> 16;
    puts("00:00.0 class ");
    put_hex(class);
    puts("\n");
    if (class != 0x0600) {
        fail("00:00.0 is not a host bridge");
    }
    /* Byte access inside the data window: the vendor ID's high byte. */
    outl(0xcf8, 0x80000000u);
    u8 hi = inb(0xcfd);
    if (hi != 0x80) {
        fail("byte read of 0xcfd");
    }
    /* An empty slot reads all ones. */
    if (config_read(0, 31, 7, 0) != 0xffffffffu) {
        fail("00:1f.7 should be empty");
    }
    puts("pci ok\n");
    return 0;
}
