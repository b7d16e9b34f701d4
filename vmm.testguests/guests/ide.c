/* The primary IDE channel at the legacy ports as a BIOS-era driver does it, polling status:
 * IDENTIFY DEVICE (model, LBA48 size), READ SECTORS of sector 2 that the host prepared,
 * WRITE SECTORS of sector 1, FLUSH CACHE, and a command the disk must abort.
 * Exit value 0 on success; a failure exits with its step's code: 0x20 no disk,
 * 0x21 identify, 0x22 read, 0x23 write, 0x24 flush, 0x25 abort. */
#include "lib.h"

#define CMD 0x1f0
#define CTL 0x3f6

static const char mark[] = "IDE guest wrote sector 1";

static void step_fail(u32 code, const char *why) {
    puts("FAIL: ");
    puts(why);
    puts("\n");
    guest_exit(code);
}

/* Waits for BSY to clear; returns the status (reading 0x1f7 acknowledges the interrupt). */
static u8 wait_ready(void) {
    for (u32 i = 0; i < 10000000; i++) {
        u8 s = inb(CMD + 7);
        if (!(s & 0x80)) {
            return s;
        }
        pause();
    }
    step_fail(0x20, "BSY stuck");
    return 0;
}

static void select_lba28(u32 lba, u8 count) {
    outb(CMD + 6, 0xe0 | ((lba >> 24) & 0x0f));
    outb(CMD + 2, count);
    outb(CMD + 3, lba);
    outb(CMD + 4, lba >> 8);
    outb(CMD + 5, lba >> 16);
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    u16 id[256];
    outb(CTL, 0x02); /* nIEN: polled */
    outb(CMD + 6, 0xa0);
    if (inb(CMD + 7) == 0xff || inb(CMD + 7) == 0) {
        step_fail(0x20, "no disk on the primary channel");
    }
    outb(CMD + 7, 0xec);
    if ((wait_ready() & 0x09) != 0x08) {
        step_fail(0x21, "IDENTIFY gave no data");
    }
    for (int i = 0; i < 256; i++) {
        id[i] = inw(CMD);
    }
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = id[27 + i] >> 8;
        model[2 * i + 1] = id[27 + i];
    }
    int end = 40;
    while (end > 0 && model[end - 1] == ' ') {
        end--;
    }
    model[end] = 0;
    puts("model ");
    puts(model);
    puts(", lba48 ");
    put_dec(id[83] & 0x400 ? 1 : 0);
    puts(", sectors ");
    put_dec(id[100] | (u32)id[101] << 16);
    puts("\n");

    select_lba28(2, 1);
    outb(CMD + 7, 0x20);
    if ((wait_ready() & 0x09) != 0x08) {
        step_fail(0x22, "READ SECTORS gave no data");
    }
    for (int i = 0; i < 256; i++) {
        u16 w = inw(CMD);
        if ((w & 0xff) != (u8)(2 * i * 7 + 3) || (w >> 8) != (u8)((2 * i + 1) * 7 + 3)) {
            step_fail(0x22, "sector 2 is not the host's pattern");
        }
    }
    if (wait_ready() & 0x09) {
        step_fail(0x22, "DRQ or ERR after the last word");
    }
    puts("read ok\n");

    select_lba28(1, 1);
    outb(CMD + 7, 0x30);
    if ((wait_ready() & 0x09) != 0x08) {
        step_fail(0x23, "WRITE SECTORS wants no data");
    }
    for (int i = 0; i < 256; i++) {
        u8 lo = 2 * i < (int)sizeof mark ? mark[2 * i] : 0;
        u8 hi = 2 * i + 1 < (int)sizeof mark ? mark[2 * i + 1] : 0;
        outw(CMD, lo | hi << 8);
    }
    if (wait_ready() & 0x09) {
        step_fail(0x23, "WRITE SECTORS failed");
    }
    puts("write ok\n");

    outb(CMD + 7, 0xe7);
    if (wait_ready() & 0x01) {
        step_fail(0x24, "FLUSH CACHE failed");
    }
    puts("flush ok\n");

    outb(CMD + 7, 0xb0); /* SMART without a subcommand the disk offers */
    if (!(wait_ready() & 0x01) || !(inb(CMD + 1) & 0x04)) {
        step_fail(0x25, "SMART was not aborted");
    }
    puts("abort ok\nide ok\n");
    return 0;
}
