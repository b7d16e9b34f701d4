/* virtio-balloon over modern virtio-pci (1af4:1045) as a driver does it, polled (no interrupts):
 * find the function, place BAR4, walk the capabilities, negotiate VERSION_1, then for ever
 * follow the host's num_pages: inflate with pages from 16 MiB up (this guest never touches
 * them), deflate from the top, and write what it holds to the config space's actual, as
 * Linux's virtio_balloon does. Prints "balloon N pages" each time it reaches the target. A
 * failure exits with its step's code: 0x10 no device, 0x11 capabilities, 0x12 BAR,
 * 0x13 features, 0x14 queues, 0x15 a queue that does not come back. */
#include "lib.h"

#define BAR_ADDR 0xe0000000u
#define QSIZE 8
#define BATCH 1024
#define BASE_PFN 0x1000u        /* 16 MiB */

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

static struct queue inflateq __attribute__((aligned(4096)));
static struct queue deflateq __attribute__((aligned(4096)));
static u32 pfns[BATCH] __attribute__((aligned(16)));

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

static void find_device(void) {
    for (dev = 1; dev < 32; dev++) {
        if (cfg_read(0) == 0x10451af4u) {
            puts("virtio-balloon at 00:");
            put_dec((u32)dev);
            puts(".0\n");
            return;
        }
    }
    step_fail(0x10, "no virtio-balloon (1af4:1045) on bus 0");
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

static void negotiate(void) {
    mmio_write8(common + 0x14, 0);
    while (mmio_read8(common + 0x14) != 0) {
        pause();
    }
    mmio_write8(common + 0x14, 1 | 2);
    mmio_write32(common + 0x00, 1);
    if ((mmio_read32(common + 0x04) & 1) == 0) {
        step_fail(0x13, "device lacks VIRTIO_F_VERSION_1");
    }
    mmio_write32(common + 0x08, 0);
    mmio_write32(common + 0x0c, 0);              /* no stats queue, no deflate-on-oom */
    mmio_write32(common + 0x08, 1);
    mmio_write32(common + 0x0c, 1);              /* VERSION_1 */
    mmio_write8(common + 0x14, 1 | 2 | 8);
    if ((mmio_read8(common + 0x14) & 8) == 0) {
        step_fail(0x13, "FEATURES_OK not accepted");
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

/* Hands n page numbers from first on to the device through q and waits until it took them. */
static void transfer(u16 index, struct queue *q, u32 first, u32 n) {
    for (u32 i = 0; i < n; i++) {
        pfns[i] = first + i;
    }
    u16 slot = q->next % QSIZE;
    q->descs[slot] = (struct desc){ (u32)pfns, 4 * n, 0, 0 };
    q->avail.ring[q->avail.idx % QSIZE] = slot;
    __asm__ volatile("mfence" ::: "memory");
    q->avail.idx++;
    q->next++;
    kick(index, q);
    wait_used(q, q->avail.idx, 0x15, "the page list never came back");
}

int guest_main(struct multiboot_info *mbi) {
    find_device();
    place_bar();
    walk_caps();
    negotiate();
    setup_queue(0, &inflateq);
    setup_queue(1, &deflateq);
    mmio_write8(common + 0x14, 1 | 2 | 8 | 4);   /* DRIVER_OK */
    puts("balloon driver up\n");

    u32 held = 0, reported = 0xffffffffu;
    for (;;) {
        u32 target = mmio_read32(devcfg + 0);
        u32 limit = (mbi->mem_upper + 1024) / 4 - BASE_PFN;    /* pages above 16 MiB */
        if (target > limit) {
            target = limit;
        }
        if (target > held) {
            u32 n = target - held > BATCH ? BATCH : target - held;
            transfer(0, &inflateq, BASE_PFN + held, n);
            held += n;
            mmio_write32(devcfg + 4, held);
        } else if (target < held) {
            u32 n = held - target > BATCH ? BATCH : held - target;
            held -= n;
            transfer(1, &deflateq, BASE_PFN + held, n);
            mmio_write32(devcfg + 4, held);
        } else if (held != reported) {
            reported = held;
            puts("balloon ");
            put_dec(held);
            puts(" pages\n");
        } else {
            for (int i = 0; i < 100000; i++) {
                pause();
            }
        }
    }
    return 0;
}
