package vmm.core.internal.machine;

import java.io.IOException;
import java.nio.file.Path;

import vmm.core.loader.BootInfo;
import vmm.core.loader.BzImageLoader;
import vmm.core.loader.E820Map;
import vmm.core.loader.KernelKind;
import vmm.core.loader.KernelLoadException;
import vmm.core.loader.MultibootLoader;
import vmm.core.loader.Placement;
import vmm.core.machine.MachineConfig;
import vmm.core.memory.GuestMemory;

/** Loads the configured kernel by its kind, as QEMU's -kernel does; again on every reset. */
final class KernelBoot {

    private KernelBoot() {
    }

    static BootInfo load(MachineConfig config, GuestMemory memory, E820Map e820) throws IOException {
        Path kernel = config.kernel();
        KernelKind kind = KernelKind.detect(kernel);
        String initrd = config.initrd();
        BootInfo info = switch (kind) {
            case BZIMAGE -> new BzImageLoader(memory, e820).load(kernel, config.commandLine(), singleInitrd(kernel, initrd));
            case PVH_ELF -> new vmm.core.loader.PvhLoader(memory, e820).load(kernel, config.commandLine(),
                    singleInitrd(kernel, initrd));
            case MULTIBOOT -> new MultibootLoader(memory, e820).load(kernel, config.commandLine(),
                    MultibootLoader.parseModules(initrd));
        };
        for (Placement p : info.placements()) {
            boolean onGdt = p.overlaps(BootCpuState.GDT, 0x28);
            boolean onPageTables = kind == KernelKind.BZIMAGE && p.overlaps(BootCpuState.PML4, 0x6000);
            if (onGdt || onPageTables) {
                throw new KernelLoadException(kernel, p + " overlaps the boot GDT or page tables (0x500, 0x9000-0xefff)");
            }
        }
        return info;
    }

    private static Path singleInitrd(Path kernel, String initrd) throws KernelLoadException {
        if (initrd == null || initrd.isBlank()) {
            return null;
        }
        if (initrd.contains(",")) {
            throw new KernelLoadException(kernel, "a Linux kernel takes one initrd; a comma-separated list is for multiboot modules");
        }
        return Path.of(initrd);
    }
}
