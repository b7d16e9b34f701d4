/* virtio-net over modern virtio-pci (1af4:1041) as a driver does it, polled (no interrupts):
 * find the function, place BAR4, walk the capabilities, negotiate VERSION_1 and MAC, print the
 * MAC the device reports, post receive buffers, send an ARP request for 10.0.2.2 and wait for
 * the reply the host's test peer sends back. Exit value 0 on success; a failure exits with its
 * step's code: 0x10 no device, 0x11 capabilities, 0x12 BAR, 0x13 features, 0x14 queues,
 * 0x15 transmit, 0x16 receive, 0x17 reply contents. */
#include "virtio_modern.h"

#define BUF 2048
#define HDR 12

static u8 mac[6];

static struct queue rxq __attribute__((aligned(4096)));
static struct queue txq __attribute__((aligned(4096)));
static u8 rxbuf[QSIZE][BUF] __attribute__((aligned(16)));
static u8 txbuf[HDR + 42] __attribute__((aligned(16)));

static void put_mac(const u8 *m) {
    const char *hex = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        putc(hex[m[i] >> 4]);
        putc(hex[m[i] & 15]);
        if (i < 5) {
            putc(':');
        }
    }
}

static void negotiate(void) {
    mmio_write8(common + 0x14, 0);
    while (mmio_read8(common + 0x14) != 0) {
        pause();
    }
    mmio_write8(common + 0x14, 1 | 2);
    mmio_write32(common + 0x00, 0);
    u32 lo = mmio_read32(common + 0x04);
    mmio_write32(common + 0x00, 1);
    u32 hi = mmio_read32(common + 0x04);
    if ((hi & 1) == 0 || (lo & (1u << 5)) == 0) {
        step_fail(0x13, "device lacks VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MAC");
    }
    mmio_write32(common + 0x08, 0);
    mmio_write32(common + 0x0c, 1u << 5);        /* MAC; no mergeable buffers, no offloads */
    mmio_write32(common + 0x08, 1);
    mmio_write32(common + 0x0c, 1);              /* VERSION_1 */
    mmio_write8(common + 0x14, 1 | 2 | 8);
    if ((mmio_read8(common + 0x14) & 8) == 0) {
        step_fail(0x13, "FEATURES_OK not accepted");
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = mmio_read8(devcfg + i);
    }
    puts("mac ");
    put_mac(mac);
    puts("\n");
}

static const u8 peer_ip[4] = {10, 0, 2, 2};
static const u8 our_ip[4] = {10, 0, 2, 15};

static int same(const u8 *a, const u8 *b, int n) {
    for (int i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    find_device(0x10411af4u, "virtio-net", "virtio-net (1af4:1041)");
    place_bar();
    walk_caps();
    negotiate();
    setup_queue(0, &rxq);
    setup_queue(1, &txq);
    mmio_write8(common + 0x14, 1 | 2 | 8 | 4);   /* DRIVER_OK */

    for (int i = 0; i < QSIZE; i++) {
        rxq.descs[i] = (struct desc){ (u32)rxbuf[i], BUF, 2, 0 };
        rxq.avail.ring[i] = (u16)i;
    }
    rxq.avail.idx = QSIZE;
    kick(0, &rxq);

    /* An ARP request: who has 10.0.2.2? Tell 10.0.2.15. After the zeroed virtio_net_hdr_v1. */
    u8 *f = txbuf + HDR;
    for (int i = 0; i < 6; i++) {
        f[i] = 0xff;
        f[6 + i] = mac[i];
        f[22 + i] = mac[i];
        f[32 + i] = 0;
    }
    f[12] = 0x08; f[13] = 0x06;
    f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4; f[20] = 0; f[21] = 1;
    for (int i = 0; i < 4; i++) {
        f[28 + i] = our_ip[i];
        f[38 + i] = peer_ip[i];
    }
    txq.descs[0] = (struct desc){ (u32)txbuf, sizeof txbuf, 0, 0 };
    txq.avail.ring[0] = 0;
    txq.avail.idx = 1;
    kick(1, &txq);
    wait_used(&txq, 1, 0x15, "the transmit buffer never came back");
    puts("arp request sent\n");

    wait_used(&rxq, 1, 0x16, "no frame received");
    u32 id = rxq.used.ring[0].id, len = rxq.used.ring[0].len;
    u8 *r = rxbuf[id % QSIZE] + HDR;
    if (len < HDR + 42 || !same(r, mac, 6) || r[12] != 0x08 || r[13] != 0x06 || r[21] != 2
            || !same(r + 28, peer_ip, 4) || !same(r + 32, mac, 6) || !same(r + 38, our_ip, 4)) {
        step_fail(0x17, "the frame received is not the ARP reply to us");
    }
    puts("arp reply: 10.0.2.2 is at ");
    put_mac(r + 22);
    puts("\nvirtio-net ok\n");
    return 0;
}
