/* Prints an increasing counter, "count N", with a busy wait between counts and interrupts
 * off all along: the save/restore test on KVM, where PVM hosts cannot run guests that take
 * interrupts. "limit=N" on the command line ends it after count N. Everything it knows is
 * in RAM and the registers, so a restored machine goes on with N+1. */
#include "lib.h"

#define SPINS_PER_COUNT 300000u

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
    puts("spincount up\n");
    for (u32 n = 1; limit == 0 || n <= limit; n++) {
        for (volatile u32 i = 0; i < SPINS_PER_COUNT; i++) {
        }
        puts("count ");
        put_dec(n);
        puts("\n");
    }
    puts("spincount done\n");
    return 0;
}
