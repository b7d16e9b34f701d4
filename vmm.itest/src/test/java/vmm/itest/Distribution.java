package vmm.itest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the built product is, for tests that run it. */
final class Distribution {

    private Distribution() {
    }

    static Path root() {
        Path dist = Path.of(System.getProperty("vmm.dist", "../vmm.distribution/target/vmm")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dist.resolve("vmm.launcher.jar"))) {
            throw new IllegalStateException("the distribution is not built at " + dist);
        }
        return dist;
    }

    static List<Path> bundles() throws IOException {
        try (Stream<Path> s = Files.list(root().resolve("bundles"))) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    static Path bundle(String prefix) throws IOException {
        return bundles().stream().filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no bundle " + prefix + "* in the distribution"));
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
