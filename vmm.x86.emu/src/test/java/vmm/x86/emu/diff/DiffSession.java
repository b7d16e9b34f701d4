package vmm.x86.emu.diff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorException;

/** What a differential test class shares: a temp dir, the native harness, the emulated guest. */
final class DiffSession implements AutoCloseable {
    final Path dir;
    final NativeOracle nat;
    final EmuOracle emu;
    final Set<Feature> nativeFeatures;
    final Set<Feature> emuFeatures;

    private DiffSession(Path dir, NativeOracle nat, EmuOracle emu) throws IOException {
        this.dir = dir;
        this.nat = nat;
        this.emu = emu;
        nativeFeatures = Cpuid.features(Cpuid.nativeLeaves(dir, nat));
        emuFeatures = Cpuid.features(Cpuid.emuLeaves(dir, emu));
    }

    /** Null when the software CPU is not in this build (the caller says so and stops). */
    static DiffSession open() throws IOException, HypervisorException {
        Hypervisor hv = EmuOracle.emulator();
        if (hv == null) {
            return null;
        }
        Path dir = Files.createTempDirectory("vmm-diff");
        return new DiffSession(dir, NativeOracle.build(dir), EmuOracle.create(hv));
    }

    @Override
    public void close() throws IOException {
        emu.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
