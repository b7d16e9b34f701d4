/* The local APIC timer, periodic, vector 0x40: 20 ticks. */
#include "timer.h"

static void tick(struct frame *f) {
    (void)f;
    count_tick();
    lapic_eoi();
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    tables_init();
    pic_init();
    lapic_enable();
    set_handler(0x40, tick, 0);
    mmio_write32(LAPIC + 0x3e0, 0x3);          /* divide by 16 */
    mmio_write32(LAPIC + 0x320, (1 << 17) | 0x40); /* periodic */
    mmio_write32(LAPIC + 0x380, 100000);
    wait_ticks(20, "lapic timer");
    mmio_write32(LAPIC + 0x320, 1 << 16);       /* masked */
    return 0;
}
