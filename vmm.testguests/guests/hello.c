/* Prints a greeting, its command line and memory size, and exits with value 0x2a (status 85). */
#include "lib.h"

int guest_main(struct multiboot_info *mbi) {
    puts("Hello from the test guest\n");
    if (mbi->flags & 4) {
        puts("cmdline: ");
        puts((const char *)mbi->cmdline);
        puts("\n");
    }
    if (mbi->flags & 1) {
        puts("mem_lower ");
        put_dec(mbi->mem_lower);
        puts(" KiB, mem_upper ");
        put_dec(mbi->mem_upper);
        puts(" KiB\n");
    }
    return 0x2a;
}
