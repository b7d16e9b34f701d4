/* Counts its boots in CMOS NVRAM byte 0x48 (the RTC keeps it across a reset) and resets the
 * machine through 0xCF9 until the third boot, which exits with value 3. */
#include "lib.h"

#define BOOTS 0x48

static u8 cmos_read(u8 reg) {
    outb(0x70, reg);
    return inb(0x71);
}

static void cmos_write(u8 reg, u8 v) {
    outb(0x70, reg);
    outb(0x71, v);
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    u8 boots = (u8)(cmos_read(BOOTS) + 1);
    cmos_write(BOOTS, boots);
    puts("boot ");
    put_dec(boots);
    puts("\n");
    if (boots >= 3) {
        return boots;
    }
    outb(0xcf9, 0x02);
    outb(0xcf9, 0x06);  /* hard reset */
    fail("still running after the reset");
}
