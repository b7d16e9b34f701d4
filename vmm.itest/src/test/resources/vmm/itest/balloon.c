/* virtio-balloon over modern virtio-pci (1af4:1045) as a driver does it, polled (no interrupts):
 * find the function, place BAR4, walk the capabilities, negotiate VERSION_1, then for ever
 * follow the host's num_pages: inflate with pages from 16 MiB up (this guest never touches
 * them), deflate from the top, and write what it holds to the config space's actual, as
 * Linux's virtio_balloon does. Prints "balloon N pages" each time it reaches the target. A
 * failure exits with its step's code: 0x10 no device, 0x11 capabilities, 0x12 BAR,
 * 0x13 features, 0x14 queues, 0x15 a queue that does not come back. */
#include "virtio_modern.h"

#define BATCH 1024
#define BASE_PFN 0x1000u        /* 16 MiB */

static struct queue inflateq __attribute__((aligned(4096)));
static struct queue deflateq __attribute__((aligned(4096)));
static u32 pfns[BATCH] __attribute__((aligned(16)));

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
    find_device(0x10451af4u, "virtio-balloon", "virtio-balloon (1af4:1045)");
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
