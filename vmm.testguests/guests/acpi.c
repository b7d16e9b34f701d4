/* Finds the ACPI RSDP in the BIOS area (0xE0000-0xFFFFF), checks its checksum, follows the RSDT
 * to the MADT and counts the enabled local APICs and the IOAPICs it lists. */
#include "lib.h"

static int sum(const u8 *p, u32 n) {
    u8 s = 0;
    for (u32 i = 0; i < n; i++) {
        s = (u8)(s + p[i]);
    }
    return s;
}

static int is(const u8 *p, const char *sig, int n) {
    for (int i = 0; i < n; i++) {
        if (p[i] != (u8)sig[i]) {
            return 0;
        }
    }
    return 1;
}

int guest_main(struct multiboot_info *mbi) {
    (void)mbi;
    const u8 *rsdp = 0;
    for (u32 a = 0xe0000; a < 0x100000; a += 16) {
        if (is((const u8 *)a, "RSD PTR ", 8) && sum((const u8 *)a, 20) == 0) {
            rsdp = (const u8 *)a;
            break;
        }
    }
    if (!rsdp) {
        fail("no RSDP");
    }
    puts("RSDP found, checksum ok\n");
    const u8 *rsdt = (const u8 *)*(const u32 *)(rsdp + 16);
    if (!is(rsdt, "RSDT", 4) || sum(rsdt, *(const u32 *)(rsdt + 4)) != 0) {
        fail("bad RSDT");
    }
    u32 entries = (*(const u32 *)(rsdt + 4) - 36) / 4;
    for (u32 i = 0; i < entries; i++) {
        const u8 *t = (const u8 *)*(const u32 *)(rsdt + 36 + 4 * i);
        if (!is(t, "APIC", 4)) {
            continue;
        }
        u32 len = *(const u32 *)(t + 4);
        if (sum(t, len) != 0) {
            fail("bad MADT checksum");
        }
        u32 cpus = 0, ioapics = 0;
        for (u32 at = 44; at + 2 <= len; at += t[at + 1]) {
            if (t[at + 1] == 0) {
                fail("MADT entry of length 0");
            }
            if (t[at] == 0 && (t[at + 4] & 1)) {
                cpus++;
            } else if (t[at] == 1) {
                ioapics++;
            }
        }
        puts("MADT: ");
        put_dec(cpus);
        puts(" local APICs, ");
        put_dec(ioapics);
        puts(" IOAPIC\n");
        return 0;
    }
    fail("no MADT");
}
