/* The test guests' small runtime: port and MMIO access, COM1, isa-debug-exit, descriptor
 * tables and interrupt dispatch. Freestanding 32-bit code, no libc. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define MULTIBOOT_MAGIC 0x2BADB002u

struct multiboot_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
};

/* What isr_common pushed, lowest address first. */
struct frame {
    u32 es, ds;
    u32 edi, esi, ebp, esp_dummy, ebx, edx, ecx, eax;
    u32 vector, error;
    u32 eip, cs, eflags;
    u32 user_esp, user_ss; /* only after a privilege change */
};

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u32 mmio_read32(u32 addr) { return *(volatile u32 *)addr; }
static inline void mmio_write32(u32 addr, u32 v) { *(volatile u32 *)addr = v; }
static inline u16 mmio_read16(u32 addr) { return *(volatile u16 *)addr; }
static inline void mmio_write16(u32 addr, u16 v) { *(volatile u16 *)addr = v; }
static inline u8 mmio_read8(u32 addr) { return *(volatile u8 *)addr; }
static inline void mmio_write8(u32 addr, u8 v) { *(volatile u8 *)addr = v; }

static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void hlt(void) { __asm__ volatile("hlt"); }
/* sti;hlt: an interrupt that arrives between the two still wakes the hlt (STI's shadow). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt; cli"); }
static inline void pause(void) { __asm__ volatile("pause"); }

void serial_init(void);
void putc(char c);
void puts(const char *s);
void put_hex(u32 v);
void put_dec(u32 v);
void guest_exit(u32 code) __attribute__((noreturn));
void fail(const char *why) __attribute__((noreturn));

/* Descriptor tables: GDT with ring-0 code 0x08 / data 0x10, ring-3 code 0x1b / data 0x23, TSS 0x28. */
void tables_init(void);
typedef void (*handler_t)(struct frame *f);
void set_handler(int vector, handler_t h, int user);
void set_kernel_stack(u32 esp0);

/* The 8259 PICs remapped to vectors 0x20-0x2f, all lines masked. */
void pic_init(void);
void pic_unmask(int irq);
void pic_eoi(int irq);

#define LAPIC 0xFEE00000u
#define IOAPIC 0xFEC00000u
void lapic_enable(void);
void lapic_eoi(void);
u32 lapic_id(void);
void ioapic_route(int gsi, int vector, int dest);
void pit_periodic(u32 hz);

/* What every guest defines. */
int guest_main(struct multiboot_info *mbi);

#endif
