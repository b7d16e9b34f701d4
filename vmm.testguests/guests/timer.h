/* Shared by the timer guests: counts ticks of one vector, waits for a number of them. */
#include "lib.h"

static volatile u32 ticks;

static void wait_ticks(u32 n, const char *what) {
    while (ticks < n) {
        sti_hlt();
    }
    puts(what);
    puts(": ");
    put_dec(ticks);
    puts(" ticks\n");
}
