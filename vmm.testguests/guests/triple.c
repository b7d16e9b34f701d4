/* Loads an empty IDT and raises #UD: the CPU cannot deliver it, nor the #GP, nor the #DF, so it
 * shuts down (a triple fault). */
#include "lib.h"

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    puts("about to triple fault\n");
    struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { 0, 0 };
    __asm__ volatile("mov $0x7fa11, %%ebx\n lidt %0\n ud2" :: "m"(idtr) : "ebx");
    return 4;
}
