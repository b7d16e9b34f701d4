package vmm.x86.emu.internal.fpu;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The host CPU as the reference: compiles oracle.c (gcc -O2) into a temporary directory and runs
 * batches of single instructions through it. Each case carries the raw instruction bytes and a
 * whole register state; the oracle answers with the state after the real instruction, or the
 * exception vector it raised.
 */
final class NativeOracle implements AutoCloseable {

    private static final HexFormat HEX = HexFormat.of();

    /** What the real CPU did with one case. */
    record Result(boolean ok, byte[] fx, long[] gpr, byte[] mem, long rflags, int vector, int mxcsr, int fsw) {
    }

    private final Path dir;
    private final Path exe;

    private NativeOracle(Path dir, Path exe) {
        this.dir = dir;
        this.exe = exe;
    }

    static NativeOracle compile() throws IOException, InterruptedException {
        String arch = System.getProperty("os.arch");
        Assumptions.assumeTrue(arch.equals("amd64") || arch.equals("x86_64"),
                "the native oracle needs an x86-64 host, this is " + arch);
        Path dir = Files.createTempDirectory("fpu-oracle");
        Path src = dir.resolve("oracle.c");
        try (InputStream in = NativeOracle.class.getResourceAsStream("oracle.c")) {
            if (in == null) {
                throw new IOException("oracle.c is not on the test class path");
            }
            Files.copy(in, src);
        }
        Path exe = dir.resolve("oracle");
        Process p = new ProcessBuilder("gcc", "-O2", "-no-pie", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("gcc failed on oracle.c: " + out);
        }
        return new NativeOracle(dir, exe);
    }

    /** Runs every case (code bytes, 416-byte FXSAVE prefix, 16 GPRs, 64 bytes memory, RFLAGS). */
    List<Result> run(List<DiffCase> cases) throws IOException, InterruptedException {
        Path input = dir.resolve("cases.txt");
        try (BufferedWriter w = Files.newBufferedWriter(input, StandardCharsets.US_ASCII)) {
            writeCases(w, cases);
        }
        Process p = new ProcessBuilder(exe.toString()).redirectInput(input.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Result> results = new ArrayList<>(cases.size());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII), 1 << 16)) {
            readResults(r, results);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || results.size() != cases.size()) {
            Path kept = Files.createTempFile("fpu-oracle-failed", ".txt");
            Files.copy(input, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            throw new IOException("the oracle answered " + results.size() + " of " + cases.size() + " cases, exit "
                    + (p.isAlive() ? "none" : p.exitValue()) + "; input kept in " + kept);
        }
        Files.delete(input);
        return results;
    }

    private static void writeCases(BufferedWriter w, List<DiffCase> cases) throws IOException {
        for (DiffCase c : cases) {
            w.write(HEX.formatHex(c.code()));
            w.write(' ');
            w.write(HEX.formatHex(c.fx(), 0, 416));
            w.write(' ');
            byte[] g = new byte[128];
            for (int i = 0; i < 16; i++) {
                SimdState.put(g, 8 * i, 8, c.gpr()[i]);
            }
            w.write(HEX.formatHex(g));
            w.write(' ');
            w.write(HEX.formatHex(c.mem()));
            w.write(' ');
            byte[] f = new byte[8];
            SimdState.put(f, 0, 8, c.rflags());
            w.write(HEX.formatHex(f));
            w.write('\n');
        }
    }

    private static void readResults(BufferedReader r, List<Result> results) throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            String[] t = line.split(" ");
            if (t[0].equals("OK")) {
                byte[] g = HEX.parseHex(t[2]);
                long[] gpr = new long[16];
                for (int i = 0; i < 16; i++) {
                    gpr[i] = SimdState.get(g, 8 * i, 8);
                }
                results.add(new Result(true, HEX.parseHex(t[1]), gpr, HEX.parseHex(t[3]),
                        SimdState.get(HEX.parseHex(t[4]), 0, 8), -1, 0, 0));
            } else {
                results.add(new Result(false, null, null, null, 0, Integer.parseInt(t[1]),
                        Integer.parseInt(t[2], 16), Integer.parseInt(t[3], 16)));
            }
        }
    }

    @Override
    public void close() throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
