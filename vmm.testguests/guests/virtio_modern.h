/* The part of a polled modern virtio-pci driver that every test guest's device shares: find
 * the function on bus 0, place BAR4, walk the vendor capabilities (common, notify, device
 * config), set up a split queue without a vector, kick it and wait for used entries. Step
 * codes on failure: 0x10 no device, 0x11 capabilities, 0x12 BAR, 0x14 queues. The including
 * guest negotiates its own features. Header-only: each guest includes it once. */
#ifndef VIRTIO_MODERN_H
#define VIRTIO_MODERN_H

#include "lib.h"

#define BAR_ADDR 0xe0000000u
#define QSIZE 8

static int dev;
static u32 common, notify, devcfg, notify_mult;

struct desc { u64 addr; u32 len; u16 flags, next; };
struct avail { u16 flags, idx, ring[QSIZE], used_event; };
struct used_elem { u32 id, len; };
struct used { u16 flags, idx; struct used_elem ring[QSIZE]; u16 avail_event; };

struct queue {
    struct desc descs[QSIZE] __attribute__((aligned(16)));
    struct avail avail __attribute__((aligned(2)));
    struct used used __attribute__((aligned(4)));
    u32 notify_at;
    u16 next;
};

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

static u32 bar_addr(int bar, u32 offset) {
    if (bar != 4) {
        step_fail(0x11, "a virtio structure outside BAR4");
    }
    return BAR_ADDR + offset;
}

/* ids: device << 16 | vendor as config dword 0 reads; what: e.g. "virtio-net (1af4:1041)". */
static void find_device(u32 ids, const char *name, const char *what) {
    for (dev = 1; dev < 32; dev++) {
        if (cfg_read(0) == ids) {
            puts(name);
            puts(" at 00:");
            put_dec((u32)dev);
            puts(".0\n");
            return;
        }
    }
    puts("FAIL: no ");
    puts(what);
    puts(" on bus 0\n");
    guest_exit(0x10);
}

static void place_bar(void) {
    cfg_write16(0x04, 0);
    u32 low = cfg_read(0x10 + 4 * 4);
    if ((low & 1) != 0) {
        step_fail(0x12, "BAR4 is not a memory BAR");
    }
    cfg_write32(0x10 + 4 * 4, BAR_ADDR);
    if ((low & 6) == 4) {
        cfg_write32(0x10 + 5 * 4, 0);
    }
    cfg_write16(0x04, 0x6);
}

static void walk_caps(void) {
    int found = 0;
    for (int p = cfg_read(0x34) & 0xfc; p != 0; p = cfg_read(p + 1) & 0xfc) {
        if ((cfg_read(p) & 0xff) != 0x09) {
            continue;
        }
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
        } else if (type == 4) {
            devcfg = bar_addr(bar, off);
            found |= 4;
        }
    }
    if (found != 7) {
        step_fail(0x11, "missing common, notify or device capability");
    }
}

static void setup_queue(u16 index, struct queue *q) {
    mmio_write16(common + 0x16, index);
    if (mmio_read16(common + 0x18) < QSIZE) {
        step_fail(0x14, "queue too small");
    }
    mmio_write16(common + 0x18, QSIZE);
    mmio_write32(common + 0x20, (u32)q->descs);
    mmio_write32(common + 0x24, 0);
    mmio_write32(common + 0x28, (u32)&q->avail);
    mmio_write32(common + 0x2c, 0);
    mmio_write32(common + 0x30, (u32)&q->used);
    mmio_write32(common + 0x34, 0);
    mmio_write16(common + 0x1a, 0xffff);         /* polled: no vector */
    q->notify_at = notify + mmio_read16(common + 0x1e) * notify_mult;
    mmio_write16(common + 0x1c, 1);
}

static void kick(u16 index, struct queue *q) {
    __asm__ volatile("mfence" ::: "memory");
    mmio_write16(q->notify_at, index);
}

static void wait_used(struct queue *q, u16 count, u32 code, const char *why) {
    for (u32 spin = 0; *(volatile u16 *)&q->used.idx != count; spin++) {
        if (spin > 200000000u) {
            step_fail(code, why);
        }
        pause();
    }
}

#endif
