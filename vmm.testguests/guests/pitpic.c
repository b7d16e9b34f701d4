/* PIT channel 0 at 1 kHz through the 8259 PIC (IRQ 0, vector 0x20): 20 ticks. */
#include "timer.h"

static void tick(struct frame *f) {
    (void)f;
    count_tick();
    pic_eoi(0);
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    tables_init();
    pic_init();
    set_handler(0x20, tick, 0);
    pit_periodic(1000);
    pic_unmask(0);
    wait_ticks(20, "pit via pic");
    return 0;
}
