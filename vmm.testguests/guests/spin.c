/* Runs until stopped: prints a counter line now and then, for the host's pause, resume and
 * reset tests. */
#include "lib.h"

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    puts("spin guest started\n");
    for (u32 n = 0;; n++) {
        for (volatile u32 i = 0; i < 20000; i++) {
        }
        puts("spin ");
        put_dec(n);
        puts("\n");
    }
}
