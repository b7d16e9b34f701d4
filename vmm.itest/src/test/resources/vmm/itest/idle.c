/* Prints that it is up, then waits for ever: a guest that keeps running until the host stops it. */
#include "lib.h"

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    puts("idle guest up\n");
    for (;;) {
        __asm__ volatile("hlt");
    }
    return 0;
}
