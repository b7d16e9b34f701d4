package vmm.core.loader;

/**
 * The CPU state the entry point expects. The loaders do not set up the vCPU; this tells the
 * caller what to build.
 */
public enum EntryMode {
    /**
     * Linux 64-bit boot protocol: long mode with paging on and an identity map that covers the
     * kernel, the zero page and the command line; flat 64-bit code segment and flat data
     * segments (the protocol's __BOOT_CS 0x10 / __BOOT_DS 0x18 layout), interrupts off,
     * RSI = the zero page address, RBP, RDI and RBX zero.
     */
    LINUX_64BIT,

    /**
     * Xen PVH entry: 32-bit protected mode with paging off, flat 32-bit code and data segments
     * (base 0, limit 4 GiB), a valid TR, interrupts off, EBX = the hvm_start_info address.
     * The entry point is below 4 GiB.
     */
    PVH_32BIT,

    /**
     * Multiboot v1: 32-bit protected mode with paging off, flat 32-bit code and data segments,
     * interrupts off, EAX = 0x2BADB002, EBX = the multiboot information address.
     */
    MULTIBOOT_32BIT
}
