/* virtio-blk over modern virtio-pci (1af4:1042) as a driver does it: find the function on
 * bus 0, walk its capabilities, place BAR4, negotiate VERSION_1, read the capacity, set up
 * split queue 0 in our own memory, write sector 1 (completion by MSI-X to the local APIC),
 * then read sector 2 that the host prepared (completion by INTx through the IOAPIC, on the
 * line the interrupt line register names as firmware left it, level-triggered).
 * Exit value 0 on success; a failure exits with its step's code: 0x10 no device,
 * 0x11 capabilities, 0x12 BAR, 0x13 features or capacity, 0x14 queue, 0x15 MSI-X,
 * 0x16 write request, 0x17 read request, 0x18 read data, 0x19 INTx line or storm. */
#include "lib.h"

#define BAR_ADDR 0xe0000000u
#define QSIZE 8
#define MSI_VECTOR 0x40
#define INTX_VECTOR 0x41

static int dev;                 /* device number on bus 0 */
static u32 common, notify, isr_reg, devcfg, notify_mult, msix_table;
static int msix_cap;
static volatile u32 msi_count, intx_count, isr_seen;

struct desc { u64 addr; u32 len; u16 flags, next; };
struct avail { u16 flags, idx, ring[QSIZE], used_event; };
struct used_elem { u32 id, len; };
struct used { u16 flags, idx; struct used_elem ring[QSIZE]; u16 avail_event; };
struct blk_req { u32 type, reserved; u64 sector; };

static struct desc descs[QSIZE] __attribute__((aligned(16)));
static struct avail avail __attribute__((aligned(2)));
static struct used used __attribute__((aligned(4)));
static struct blk_req req;
static u8 data[512] __attribute__((aligned(16)));
static volatile u8 status;

static void step_fail(u32 code, const char *why) {
    puts("FAIL: ");
    puts(why);
    puts("\n");
    guest_exit(code);
}

static u32 cfg_read(int reg) {
    outl(0xcf8, 0x80000000u | (dev << 11) | (reg & 0xfc));
    return inl(0xcfc) >> (8 * (reg & 3));
}

static void cfg_write32(int reg, u32 v) {
    outl(0xcf8, 0x80000000u | (dev << 11) | (reg & 0xfc));
    outl(0xcfc, v);
}

static void cfg_write16(int reg, u16 v) {
    outl(0xcf8, 0x80000000u | (dev << 11) | (reg & 0xfc));
    outw(0xcfc + (reg & 2), v);
}

/* BAR4 is ours to place; another memory BAR (QEMU keeps its MSI-X table in BAR1) stays where
 * firmware put it, and must have been placed. */
static u32 bar_addr(int bar, u32 offset) {
    if (bar == 4) {
        return BAR_ADDR + offset;
    }
    u32 b = bar >= 0 && bar < 6 ? cfg_read(0x10 + 4 * bar) : 1;
    if ((b & 1) != 0 || (b & ~0xfu) == 0) {
        step_fail(0x11, "a virtio structure in an unplaced or I/O BAR");
    }
    return (b & ~0xfu) + offset;
}

static void find_device(void) {
    for (dev = 1; dev < 32; dev++) {
        if (cfg_read(0) == 0x10421af4u) {
            puts("virtio-blk at 00:");
            put_dec((u32)dev);
            puts(".0\n");
            return;
        }
    }
    step_fail(0x10, "no virtio-blk (1af4:1042) on bus 0");
}

static void place_bar(void) {
    cfg_write16(0x04, 0);                        /* decoding off while sizing */
    u32 low = cfg_read(0x10 + 4 * 4);
    if ((low & 1) != 0) {
        step_fail(0x12, "BAR4 is not a memory BAR");
    }
    cfg_write32(0x10 + 4 * 4, 0xffffffffu);
    u32 size = ~(cfg_read(0x10 + 4 * 4) & ~0xfu) + 1;
    if (size == 0 || size > 0x1000000u) {
        step_fail(0x12, "BAR4 size");
    }
    cfg_write32(0x10 + 4 * 4, BAR_ADDR);
    if ((low & 6) == 4) {
        cfg_write32(0x10 + 5 * 4, 0);            /* 64-bit BAR: high half */
    }
    cfg_write16(0x04, 0x6);                      /* memory decoding, bus master */
    puts("BAR4 size ");
    put_hex(size);
    puts("\n");
}

static void walk_caps(void) {
    if ((cfg_read(0x06) & 0x10) == 0) {
        step_fail(0x11, "no capability list");
    }
    int found = 0;
    for (int p = cfg_read(0x34) & 0xfc; p != 0; p = cfg_read(p + 1) & 0xfc) {
        u32 id = cfg_read(p) & 0xff;
        if (id == 0x11) {
            msix_cap = p;
            u32 t = cfg_read(p + 4);
            msix_table = bar_addr((int)(t & 7), t & ~7u);
        } else if (id == 0x09) {
            u32 type = cfg_read(p + 3) & 0xff;
            int bar = (int)(cfg_read(p + 4) & 0xff);
            u32 off = cfg_read(p + 8);
            if (type == 1) {
                common = bar_addr(bar, off);
                found |= 1;
            } else if (type == 2) {
                notify = bar_addr(bar, off);
                notify_mult = cfg_read(p + 16);
                found |= 2;
            } else if (type == 3) {
                isr_reg = bar_addr(bar, off);
                found |= 4;
            } else if (type == 4) {
                devcfg = bar_addr(bar, off);
                found |= 8;
            }
        }
    }
    if (found != 15 || msix_cap == 0) {
        step_fail(0x11, "missing common, notify, ISR, device or MSI-X capability");
    }
    puts("capabilities ok\n");
}

static void negotiate(void) {
    mmio_write8(common + 0x14, 0);               /* reset */
    while (mmio_read8(common + 0x14) != 0) {
        pause();
    }
    mmio_write8(common + 0x14, 1 | 2);           /* ACKNOWLEDGE | DRIVER */
    mmio_write32(common + 0x00, 1);
    u32 hi = mmio_read32(common + 0x04);
    if ((hi & 1) == 0) {
        step_fail(0x13, "device lacks VIRTIO_F_VERSION_1");
    }
    mmio_write32(common + 0x08, 0);
    mmio_write32(common + 0x0c, 0);
    mmio_write32(common + 0x08, 1);
    mmio_write32(common + 0x0c, 1);              /* VERSION_1 only */
    mmio_write8(common + 0x14, 1 | 2 | 8);       /* FEATURES_OK */
    if ((mmio_read8(common + 0x14) & 8) == 0) {
        step_fail(0x13, "FEATURES_OK not accepted");
    }
    /* virtio_blk_config.capacity: the host's image is 4 sectors. */
    u32 cap_lo = mmio_read32(devcfg), cap_hi = mmio_read32(devcfg + 4);
    puts("capacity ");
    put_dec(cap_lo);
    puts(" sectors\n");
    if (cap_lo != 4 || cap_hi != 0) {
        step_fail(0x13, "capacity is not the image's 4 sectors");
    }
    puts("features ok\n");
}

static void on_msi(struct frame *f) {
    (void)f;
    msi_count++;
    lapic_eoi();
}

static void on_intx(struct frame *f) {
    (void)f;
    isr_seen = mmio_read8(isr_reg);              /* reading deasserts the line */
    intx_count++;
    lapic_eoi();
}

static void setup_queue(void) {
    mmio_write16(common + 0x16, 0);
    u16 max = mmio_read16(common + 0x18);
    if (max < QSIZE) {
        step_fail(0x14, "queue 0 too small");
    }
    mmio_write16(common + 0x18, QSIZE);
    mmio_write32(common + 0x20, (u32)descs);
    mmio_write32(common + 0x24, 0);
    mmio_write32(common + 0x28, (u32)&avail);
    mmio_write32(common + 0x2c, 0);
    mmio_write32(common + 0x30, (u32)&used);
    mmio_write32(common + 0x34, 0);
    mmio_write16(common + 0x10, 0xffff);         /* no config-change vector */
    mmio_write16(common + 0x1a, 0);              /* queue 0 -> MSI-X entry 0 */
    if (mmio_read16(common + 0x1a) != 0) {
        step_fail(0x15, "queue vector not taken");
    }
    mmio_write16(common + 0x1c, 1);
    mmio_write8(common + 0x14, 1 | 2 | 8 | 4);   /* DRIVER_OK */
    puts("queue ok\n");
}

static void msix_on(void) {
    mmio_write32(msix_table + 0, LAPIC | (lapic_id() << 12));
    mmio_write32(msix_table + 4, 0);
    mmio_write32(msix_table + 8, MSI_VECTOR);
    mmio_write32(msix_table + 12, 0);            /* unmasked */
    cfg_write16(msix_cap + 2, 0x8000);           /* enable, no function mask */
}

/* One request: header, data, status; waits for the used ring and the interrupt count. */
static void request(u32 type, u32 sector, volatile u32 *irqs, u32 code) {
    static u16 next_avail;
    u32 before = *irqs;
    req.type = type;
    req.reserved = 0;
    req.sector = sector;
    status = 0xff;
    descs[0] = (struct desc){ (u32)&req, sizeof req, 1, 1 };
    descs[1] = (struct desc){ (u32)data, 512, (u16)(1 | (type == 0 ? 2 : 0)), 2 };
    descs[2] = (struct desc){ (u32)&status, 1, 2, 0 };
    avail.ring[next_avail % QSIZE] = 0;
    __asm__ volatile("" ::: "memory");
    avail.idx = ++next_avail;
    __asm__ volatile("mfence" ::: "memory");
    mmio_write16(notify + mmio_read16(common + 0x1e) * notify_mult, 0);
    u32 spin = 0;
    sti();
    while (*irqs == before && spin < 50000000u) {
        pause();
        spin++;
    }
    cli();
    if (*irqs == before) {
        step_fail(code, "no completion interrupt");
    }
    if (*(volatile u16 *)&used.idx != next_avail || used.ring[(next_avail - 1) % QSIZE].id != 0) {
        step_fail(code, "used ring not advanced");
    }
    if (status != 0) {
        step_fail(code, "request status not OK");
    }
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    tables_init();
    pic_init();
    lapic_enable();
    set_handler(MSI_VECTOR, on_msi, 0);
    set_handler(INTX_VECTOR, on_intx, 0);
    find_device();
    place_bar();
    walk_caps();
    negotiate();
    setup_queue();

    msix_on();
    const char *mark = "virtio-blk guest wrote sector 1";
    for (int i = 0; i < 512; i++) {
        data[i] = (u8)(i * 3 + 1);
    }
    for (int i = 0; mark[i]; i++) {
        data[i] = (u8)mark[i];
    }
    request(1, 1, &msi_count, 0x16);
    puts("write by MSI-X ok\n");

    /* INTx: MSI-X off, so the device raises INTA#. Its line is routed as Linux routes a PCI GSI:
     * level-triggered, active low, so the handler's ISR read deasserts it before the EOI. */
    cfg_write16(msix_cap + 2, 0);
    u32 line = cfg_read(0x3c) & 0xff;
    if (line == 0 || line >= 24) {
        step_fail(0x19, "no usable interrupt line");
    }
    ioapic_route((int)line, INTX_VECTOR, (int)lapic_id());
    mmio_write32(IOAPIC, 0x10 + 2 * line);
    mmio_write32(IOAPIC + 0x10, INTX_VECTOR | (1u << 15) | (1u << 13));
    for (int i = 0; i < 512; i++) {
        data[i] = 0;
    }
    request(0, 2, &intx_count, 0x17);
    sti();                                       /* a line left asserted would fire again */
    for (u32 i = 0; i < 100000; i++) {
        pause();
    }
    cli();
    if (intx_count != 1) {
        step_fail(0x19, "INTx fired more than once: the ISR read did not deassert it");
    }
    if ((isr_seen & 1) == 0) {
        step_fail(0x17, "ISR status lacked the queue bit");
    }
    for (int i = 0; i < 512; i++) {
        if (data[i] != (u8)(i * 7 + 3)) {
            puts("byte ");
            put_dec((u32)i);
            puts(" is ");
            put_hex(data[i]);
            puts("\n");
            step_fail(0x18, "sector 2 is not the host's pattern");
        }
    }
    puts("read by INTx (level) ok, line ");
    put_dec(line);
    puts("\nvirtio-blk ok\n");
    return 0;
}
