/* Enters ring 3 with iret, computes there (primes below 20000, a checksum), and comes back with
 * int 0x80 carrying the result; ring 0 checks it came from CPL 3 and computes the same. */
#include "lib.h"

static u32 user_stack[1024] __attribute__((aligned(16)));
static volatile u32 result;
static volatile u32 from_cpl;

static u32 compute(void) {
    u32 count = 0, sum = 0;
    for (u32 n = 2; n < 20000; n++) {
        int prime = 1;
        for (u32 d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                prime = 0;
                break;
            }
        }
        if (prime) {
            count++;
            sum = sum * 31 + n;
        }
    }
    return count ^ sum;
}

static void user_main(void) {
    u32 r = compute();
    __asm__ volatile("int $0x80" :: "a"(r));
    for (;;) {
    }
}

static void syscall(struct frame *f) {
    result = f->eax;
    from_cpl = f->cs & 3;
    puts("int 0x80 from CPL ");
    put_dec(from_cpl);
    puts(", result ");
    put_hex(result);
    puts("\n");
    if (from_cpl != 3) {
        fail("the system call did not come from ring 3");
    }
    u32 expected = compute();
    if (result != expected) {
        fail("ring 3 computed something else than ring 0");
    }
    puts("ring 3 ok\n");
    guest_exit(0);
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    tables_init();
    set_handler(0x80, syscall, 1);
    u32 esp0;
    __asm__ volatile("mov %%esp, %0" : "=r"(esp0));
    set_kernel_stack(esp0 - 256);
    puts("entering ring 3\n");
    __asm__ volatile("mov $0x23, %%ax\n mov %%ax, %%ds\n mov %%ax, %%es\n"
                     "push $0x23\n push %0\n pushf\n push $0x1b\n push %1\n iret"
                     :: "r"((u32)&user_stack[1024]), "r"((u32)user_main) : "eax", "memory");
    return 3;
}
