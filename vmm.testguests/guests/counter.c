/* Counts timer ticks and prints an increasing counter: PIT channel 0 at 100 Hz through the
 * IOAPIC (GSI 2) to the local APIC, "count N" every 10 ticks, while halted between ticks.
 * "limit=N" on the command line ends it after count N (no limit: it counts for ever). The
 * save/restore tests stop it half-way and check that the restored machine goes on with N+1:
 * the counter lives in RAM, the tick in flight in the PIT, IOAPIC and local APIC, the vCPU
 * in HLT. */
#include "lib.h"

#define TICKS_PER_COUNT 10

static volatile u32 ticks;

static void tick(struct frame *f) {
    (void)f;
    ticks++;
    lapic_eoi();
}

static u32 limit_from(struct multiboot_info *mbi) {
    if (!(mbi->flags & (1u << 2)) || !mbi->cmdline) {
        return 0;
    }
    const char *s = (const char *)mbi->cmdline;
    for (; *s; s++) {
        const char *k = "limit=";
        const char *p = s;
        while (*k && *p == *k) {
            k++;
            p++;
        }
        if (!*k) {
            u32 n = 0;
            while (*p >= '0' && *p <= '9') {
                n = n * 10 + (u32)(*p++ - '0');
            }
            return n;
        }
    }
    return 0;
}

int guest_main(struct multiboot_info *mbi) {
    u32 limit = limit_from(mbi);
    tables_init();
    pic_init();
    lapic_enable();
    set_handler(0x30, tick, 0);
    ioapic_route(2, 0x30, (int)lapic_id());
    pit_periodic(100);
    puts("counter up\n");
    u32 n = 0;
    while (limit == 0 || n < limit) {
        while (ticks < (n + 1) * TICKS_PER_COUNT) {
            sti_hlt();
        }
        n++;
        puts("count ");
        put_dec(n);
        puts("\n");
    }
    puts("counter done\n");
    return 0;
}
