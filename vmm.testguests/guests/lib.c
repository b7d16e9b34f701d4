#include "lib.h"

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

void serial_init(void) {
    outb(COM1 + 1, 0x00);      /* no interrupts */
    outb(COM1 + 3, 0x80);      /* DLAB */
    outb(COM1 + 0, 0x01);      /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);      /* 8N1 */
    outb(COM1 + 2, 0xC7);      /* FIFO on */
    outb(COM1 + 4, 0x03);      /* DTR, RTS */
}

void putc(char c) {
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++) {
        pause();
    }
    outb(COM1, (u8)c);
}

void puts(const char *s) {
    while (*s) {
        if (*s == '\n') {
            putc('\r');
        }
        putc(*s++);
    }
}

void put_hex(u32 v) {
    static const char digits[] = "0123456789abcdef";
    puts("0x");
    for (int i = 28; i >= 0; i -= 4) {
        putc(digits[(v >> i) & 0xf]);
    }
}

void put_dec(u32 v) {
    char buf[11];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        putc(buf[--n]);
    }
}

void guest_exit(u32 code) {
    outl(DEBUG_EXIT, code);
    for (;;) {
        cli();
        hlt();
    }
}

void fail(const char *why) {
    puts("FAIL: ");
    puts(why);
    puts("\n");
    guest_exit(1);
}

/* ---- descriptor tables */

struct gate { u16 off_lo, sel; u8 zero, type; u16 off_hi; } __attribute__((packed));
struct tss { u32 link, esp0, ss0, rest[23]; } __attribute__((packed));

static u64 gdt[6] __attribute__((aligned(8)));
static struct gate idt[256] __attribute__((aligned(8)));
static struct tss tss;
static handler_t handlers[256];
extern const u32 isr_table[256];

static u64 descriptor(u32 base, u32 limit, u32 access, u32 flags) {
    return (limit & 0xffffull) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40)
        | ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}

void tables_init(void) {
    gdt[0] = 0;
    gdt[1] = descriptor(0, 0xfffff, 0x9a, 0xc);
    gdt[2] = descriptor(0, 0xfffff, 0x92, 0xc);
    gdt[3] = descriptor(0, 0xfffff, 0xfa, 0xc);
    gdt[4] = descriptor(0, 0xfffff, 0xf2, 0xc);
    tss.ss0 = 0x10;
    gdt[5] = descriptor((u32)&tss, sizeof(tss) - 1, 0x89, 0);
    struct { u16 limit; u32 base; } __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (u32)gdt };
    __asm__ volatile("lgdt %0\n"
                     "ljmp $0x08, $1f\n"
                     "1: mov $0x10, %%ax\n"
                     "mov %%ax, %%ds\n mov %%ax, %%es\n mov %%ax, %%ss\n mov %%ax, %%fs\n mov %%ax, %%gs\n"
                     "mov $0x28, %%ax\n ltr %%ax" :: "m"(gdtr) : "eax", "memory");
    for (int v = 0; v < 256; v++) {
        u32 target = isr_table[v];
        idt[v].off_lo = (u16)target;
        idt[v].off_hi = (u16)(target >> 16);
        idt[v].sel = 0x08;
        idt[v].zero = 0;
        idt[v].type = target ? 0x8e : 0; /* present 32-bit interrupt gate */
    }
    struct { u16 limit; u32 base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (u32)idt };
    __asm__ volatile("lidt %0" :: "m"(idtr));
}

void set_handler(int vector, handler_t h, int user) {
    handlers[vector] = h;
    idt[vector].type = user ? 0xee : 0x8e;
}

void set_kernel_stack(u32 esp0) {
    tss.esp0 = esp0;
}

void isr_dispatch(struct frame *f) {
    handler_t h = handlers[f->vector];
    if (h) {
        h(f);
        return;
    }
    puts("unexpected exception/interrupt ");
    put_dec(f->vector);
    puts(" error ");
    put_hex(f->error);
    puts(" at ");
    put_hex(f->eip);
    puts("\n");
    guest_exit(0x7f);
}

/* ---- interrupt controllers and timers */

void pic_init(void) {
    outb(0x20, 0x11); outb(0xa0, 0x11);   /* ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20); outb(0xa1, 0x28);   /* vectors */
    outb(0x21, 0x04); outb(0xa1, 0x02);   /* cascade on IRQ2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);   /* 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);   /* all masked */
}

void pic_unmask(int irq) {
    if (irq < 8) {
        outb(0x21, inb(0x21) & ~(1 << irq));
    } else {
        outb(0xa1, inb(0xa1) & ~(1 << (irq - 8)));
        outb(0x21, inb(0x21) & ~(1 << 2));
    }
}

void pic_eoi(int irq) {
    if (irq >= 8) {
        outb(0xa0, 0x20);
    }
    outb(0x20, 0x20);
}

void lapic_enable(void) {
    mmio_write32(LAPIC + 0xf0, 0x1ff); /* software enable, spurious vector 0xff */
}

void lapic_eoi(void) {
    mmio_write32(LAPIC + 0xb0, 0);
}

u32 lapic_id(void) {
    return mmio_read32(LAPIC + 0x20) >> 24;
}

void ioapic_route(int gsi, int vector, int dest) {
    mmio_write32(IOAPIC, 0x10 + 2 * gsi + 1);
    mmio_write32(IOAPIC + 0x10, (u32)dest << 24);
    mmio_write32(IOAPIC, 0x10 + 2 * gsi);
    mmio_write32(IOAPIC + 0x10, (u32)vector); /* fixed, physical, edge, active high, unmasked */
}

void pit_periodic(u32 hz) {
    u32 divisor = 1193182 / hz;
    outb(0x43, 0x34);                 /* channel 0, lobyte/hibyte, mode 2 */
    outb(0x40, (u8)divisor);
    outb(0x40, (u8)(divisor >> 8));
}

int guest_start(u32 magic, struct multiboot_info *mbi) {
    serial_init();
    if (magic != MULTIBOOT_MAGIC) {
        puts("bad multiboot magic ");
        put_hex(magic);
        puts("\n");
        guest_exit(2);
    }
    return guest_main(mbi);
}
