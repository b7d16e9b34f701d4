package vmm.x86.emu.internal.cpu;

/**
 * The page walker: 32-bit (4 KiB and, with CR4.PSE, 4 MiB pages), PAE (2 MiB) and 4-level
 * (2 MiB and 1 GiB) paging, with U/S, R/W under CR0.WP, NX under EFER.NXE, accessed and dirty
 * bits set atomically, and #PF with the architectural error code and CR2. A successful walk
 * fills the vCPU's TLB entry for the 4 KiB page.
 */
final class Paging {
    private static final long ADDR = 0x000ffffffffff000L;
    /** Physical address bits above MAXPHYADDR (40, as CPUID 0x80000008 says). */
    private static final long RSVD_PHYS = 0x000fff0000000000L;
    private static final long NX = 1L << 63;
    private static final int PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;

    private final Cpu cpu;
    private final Mem mem;

    Paging(Cpu cpu, Mem mem) {
        this.cpu = cpu;
        this.mem = mem;
    }

    /** Translates {@code lin} for {@code access} (Mem.READ/WRITE/FETCH) by a user (1) or supervisor (0). */
    long translate(long lin, int access, int user) {
        if (!cpu.paging()) {
            long pa = cpu.lma() ? lin : lin & 0xffffffffL;
            mem.fill(pa, pa, user, true, true, true, false, 0);
            return pa;
        }
        boolean nxe = (cpu.efer & Cpu.EFER_NXE) != 0;
        boolean write = access == Mem.WRITE;
        long entry;
        long entryAddr;
        int entrySize;
        boolean rw = true;
        boolean us = true;
        boolean nx = false;
        long pageMask;
        long[] addrs = walkAddrs;
        int levels = 0;
        if ((cpu.cr4 & Cpu.CR4_PAE) == 0) {
            entrySize = 4;
            entryAddr = (cpu.cr3 & 0xfffff000L) + ((lin >>> 22) & 0x3ff) * 4;
            entry = mem.readPhys(entryAddr, 4);
            if ((entry & 1) == 0) {
                throw pageFault(lin, access, user, 0);
            }
            addrs[levels++] = entryAddr;
            rw = (entry & 2) != 0;
            us = (entry & 4) != 0;
            if ((entry & 0x80) != 0 && (cpu.cr4 & Cpu.CR4_PSE) != 0) {
                pageMask = 0x3fffff;
                entry = entry & 0xffc00000L | (entry & 0x1fff);
            } else {
                entryAddr = (entry & 0xfffff000L) + ((lin >>> 12) & 0x3ff) * 4;
                entry = mem.readPhys(entryAddr, 4);
                if ((entry & 1) == 0) {
                    throw pageFault(lin, access, user, 0);
                }
                addrs[levels++] = entryAddr;
                rw &= (entry & 2) != 0;
                us &= (entry & 4) != 0;
                pageMask = 0xfff;
            }
        } else {
            entrySize = 8;
            int level;
            long table;
            if (cpu.lma()) {
                long top = lin >> 47;
                nonCanonical = top != 0 && top != -1;
                if (nonCanonical) {
                    throw cpu.gp(0);
                }
                level = 4;
                table = cpu.cr3 & ADDR;
            } else {
                lin &= 0xffffffffL;
                long pdpte = mem.readPhys((cpu.cr3 & 0xffffffe0L) + ((lin >>> 30) & 3) * 8, 8);
                if ((pdpte & 1) == 0) {
                    throw pageFault(lin, access, user, 0);
                }
                if ((pdpte & (RSVD_PHYS | 0x1e6)) != 0) {
                    throw pageFault(lin, access, user, PF_P | PF_RSVD);
                }
                level = 2;
                table = pdpte & ADDR;
            }
            while (true) {
                int shift = 12 + 9 * (level - 1);
                entryAddr = table + ((lin >>> shift) & 0x1ff) * 8;
                entry = mem.readPhys(entryAddr, 8);
                if ((entry & 1) == 0) {
                    throw pageFault(lin, access, user, 0);
                }
                boolean large = (entry & 0x80) != 0 && level > 1;
                if ((entry & RSVD_PHYS) != 0 || (!nxe && (entry & NX) != 0) || (large && level == 4)
                        || (large && level == 3 && !cpu.lma())) {
                    throw pageFault(lin, access, user, PF_P | PF_RSVD);
                }
                addrs[levels++] = entryAddr;
                rw &= (entry & 2) != 0;
                us &= (entry & 4) != 0;
                nx |= nxe && (entry & NX) != 0;
                if (large) {
                    pageMask = (1L << shift) - 1;
                    if ((entry & (pageMask & ~0x1fffL)) != 0) {
                        throw pageFault(lin, access, user, PF_P | PF_RSVD);
                    }
                    break;
                }
                if (level == 1) {
                    pageMask = 0xfff;
                    break;
                }
                table = entry & ADDR;
                level--;
            }
        }
        boolean wp = (cpu.cr0 & Cpu.CR0_WP) != 0;
        boolean canWrite = user != 0 ? us && rw : rw || !wp;
        boolean ok = switch (access) {
            case Mem.WRITE -> canWrite;
            case Mem.FETCH -> !nx && (user == 0 || us);
            default -> user == 0 || us;
        };
        if (!ok) {
            throw pageFault(lin, access, user, PF_P);
        }
        for (int k = 0; k < levels; k++) {
            mem.phys.orEntry(addrs[k], entrySize, 0x20);
        }
        boolean dirty = (entry & 0x40) != 0;
        if (write && !dirty) {
            mem.phys.orEntry(addrs[levels - 1], entrySize, 0x40);
            dirty = true;
        }
        long pa = (entry & ADDR & ~pageMask) | (lin & pageMask);
        if (entrySize == 4) {
            pa &= 0xffffffffL;
        }
        boolean isGlobal = (entry & 0x100) != 0 && (cpu.cr4 & Cpu.CR4_PGE) != 0;
        mem.fill(lin, pa, user, user == 0 || us, canWrite && dirty, !nx && (user == 0 || us), isGlobal,
                pageMask);
        return pa;
    }

    private final long[] walkAddrs = new long[4];
    /** The last walk failed for a non-canonical address (Mem turns that into #SS for stack accesses). */
    boolean nonCanonical;

    private GuestFault pageFault(long lin, int access, int user, int bits) {
        int code = bits;
        if (access == Mem.WRITE) {
            code |= PF_W;
        }
        if (user != 0) {
            code |= PF_U;
        }
        if (access == Mem.FETCH && (cpu.efer & Cpu.EFER_NXE) != 0) {
            code |= PF_I;
        }
        cpu.cr2 = lin;
        return cpu.raise(GuestFault.PF, code);
    }
}
