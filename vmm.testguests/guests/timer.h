/* Shared by the timer guests: counts ticks of one vector, waits for a number of them. */
#include "lib.h"

static volatile u32 ticks;
/* The count stops at the number waited for: the timer keeps running while the result prints,
 * and a tick that lands between the last wake-up and the print must not change it. */
static volatile u32 tick_limit = 0xffffffffu;

static void count_tick(void) {
    if (ticks < tick_limit) {
        ticks++;
    }
}

static void wait_ticks(u32 n, const char *what) {
    tick_limit = n;
    while (ticks < n) {
        sti_hlt();
    }
    puts(what);
    puts(": ");
    put_dec(ticks);
    puts(" ticks\n");
}
