package vmm.testguests;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same kernel as a bzImage through the Linux 64-bit boot protocol (the machine's long-mode
 * entry with its identity-mapping page tables; the kernel decompresses itself on emu).
 */
class LinuxBzImageBootTest {

    private static LinuxEarlyBootTest.Boot boot;

    @BeforeAll
    static void boot() throws Exception {
        org.junit.jupiter.api.Assertions.assertTrue(Accelerators.unusable("emu").isEmpty(), () -> Accelerators.unusable("emu").get());
        boot = LinuxEarlyBootTest.boot(DebianKernel.bzImage());
    }

    @Test
    void decompressesAndPrintsBannerCommandLineAndMemoryMap() {
        LinuxEarlyBootTest.require(boot.serial(), boot.exit(), "Linux version 6.1");
        LinuxEarlyBootTest.require(boot.serial(), boot.exit(), "Command line: " + LinuxEarlyBootTest.CMDLINE);
        LinuxEarlyBootTest.require(boot.serial(), boot.exit(),
                "BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable");
    }
}
