/* PIT channel 0 through the IOAPIC: ISA IRQ 0 is GSI 2 on a PC (the MADT's override), routed
 * to vector 0x30 on the BSP's local APIC; the 8259s are masked. */
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
    set_handler(0x30, tick, 0);
    ioapic_route(2, 0x30, (int)lapic_id());
    pit_periodic(1000);
    wait_ticks(20, "pit via ioapic");
    return 0;
}
