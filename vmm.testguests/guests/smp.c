/* The BSP starts the other vCPUs with INIT, SIPI, SIPI (to all but itself) through a real-mode
 * trampoline at 0x8000; each AP reports with its APIC ID; all 4 must report. */
#include "lib.h"

extern const u8 tramp_start[], tramp_end[], tramp_gdtr[];
static volatile u32 cpus_up;
static volatile u32 print_lock;

static void lock(void) {
    while (__sync_lock_test_and_set(&print_lock, 1)) {
        pause();
    }
}

static void unlock(void) {
    __sync_lock_release(&print_lock);
}

void ap_main(u32 index) {
    lock();
    puts("AP ");
    put_dec(index);
    puts(" up, APIC id ");
    put_dec(lapic_id());
    puts("\n");
    unlock();
    __sync_fetch_and_add(&cpus_up, 1);
}

static void icr(u32 low) {
    mmio_write32(LAPIC + 0x310, 0);
    mmio_write32(LAPIC + 0x300, low);
    for (int i = 0; i < 1000000 && (mmio_read32(LAPIC + 0x300) & (1 << 12)); i++) {
        pause();
    }
}

static void delay(void) {
    for (volatile int i = 0; i < 20000; i++) {
        pause();
    }
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    tables_init();
    lapic_enable();
    u8 *dst = (u8 *)0x8000;
    for (const u8 *p = tramp_start; p < tramp_end; p++) {
        *dst++ = *p;
    }
    __asm__ volatile("sgdt %0" : "=m"(*(u8 (*)[6])(0x8000 + (tramp_gdtr - tramp_start))));
    lock();
    puts("BSP APIC id ");
    put_dec(lapic_id());
    puts(": starting the APs\n");
    unlock();
    icr(0x000C4500);           /* INIT, all excluding self */
    delay();
    icr(0x000C4608);           /* SIPI, vector 0x08 */
    delay();
    icr(0x000C4608);
    for (u32 spins = 0; cpus_up < 3; spins++) {
        pause();
        if (spins > 200000000u) {
            fail("not every AP reported");
        }
    }
    lock();
    puts("all 4 CPUs up\n");
    unlock();
    return 0;
}
