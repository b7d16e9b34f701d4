package vmm.core.loader;

/**
 * Fixed guest addresses below 1 MiB for the small boot structures, the same for both loaders
 * (and close to what other VMMs use, which makes guest logs comparable). 0x0-0x5FFF (real-mode
 * IVT, BDA) and 0x8000-0x1FFFF are left free for the caller's GDT and page tables.
 */
final class LowMemoryLayout {

    /** PVH hvm_start_info, followed in the same page by the module list and the memory map. */
    static final long PVH_START_INFO = 0x6000;
    static final long PVH_MODULE_LIST = 0x6040;
    static final long PVH_MEMORY_MAP = 0x6080;

    /** Multiboot: the info structure, then the module list and the memory map, below the zero page. */
    static final long MULTIBOOT_INFO = 0x6000;
    static final long MULTIBOOT_INFO_SIZE = 0x80;
    static final long MULTIBOOT_MODULES = 0x6080;
    static final int MULTIBOOT_MAX_MODULES = 64;
    static final long MULTIBOOT_MEMORY_MAP = 0x6500;

    /** The zero page (struct boot_params, one page). */
    static final long ZERO_PAGE = 0x7000;
    static final long ZERO_PAGE_SIZE = 0x1000;

    /** The command line and the most it may take, NUL included. */
    static final long COMMAND_LINE = 0x2_0000;
    static final long COMMAND_LINE_MAX = 0x1_0000;

    /** Initrds are page aligned: Linux frees their pages after unpacking them. */
    static final long PAGE = 0x1000;

    /** Linux reads the 32-bit ramdisk and module fields below this limit. */
    static final long FOUR_GIB = 1L << 32;

    private LowMemoryLayout() {
    }
}
