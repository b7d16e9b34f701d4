package vmm.x86.emu.diff;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host CPU as the reference: a gcc-built harness (harness.c, harness.S) that maps the
 * guest's addresses and runs each case natively.
 */
final class NativeOracle {
    private final Path dir;
    private final Path exe;

    private NativeOracle(Path dir, Path exe) {
        this.dir = dir;
        this.exe = exe;
    }

    /** Compiles the harness in {@code dir}. */
    static NativeOracle build(Path dir) throws IOException {
        for (String name : List.of("harness.c", "harness.S")) {
            try (InputStream in = NativeOracle.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IOException("resource " + name + " missing");
                }
                Files.copy(in, dir.resolve(name));
            }
        }
        Path exe = dir.resolve("harness");
        Tools.run(dir, List.of("gcc", "-O1", "-Wall", "-Werror", "-DMEM_BASE=0x" + Long.toHexString(Layout.MEM_BASE) + "UL",
                "-o", exe.toString(), "harness.c", "harness.S"));
        return new NativeOracle(dir, exe);
    }

    List<CaseOutput> run(Assembled code, List<CaseInput> cases) throws IOException {
        Path input = Files.createTempFile(dir, "cases", ".bin");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(input), 1 << 16)) {
            ByteBuffer b = ByteBuffer.allocate(8 * 17 + 16).order(ByteOrder.LITTLE_ENDIAN);
            out.write(le(b.clear().putInt(code.code().length)));
            out.write(code.code());
            out.write(le(b.clear().putInt(code.end().length)));
            for (int i = 0; i < code.end().length; i++) {
                out.write(le(b.clear().putInt(code.start(i)).putInt(code.end()[i])));
            }
            for (CaseInput c : cases) {
                b.clear().putInt(c.form());
                for (long g : c.gpr()) {
                    b.putLong(g);
                }
                b.putLong(c.rflags()).putInt(c.mem().length);
                out.write(le(b));
                out.write(c.mem());
            }
            out.write(le(b.clear().putInt(-1)));
        }
        Path err = dir.resolve("harness.err");
        Process p = new ProcessBuilder(exe.toString()).redirectInput(input.toFile())
                .redirectError(err.toFile()).start();
        List<CaseOutput> outs = new ArrayList<>(cases.size());
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(p.getInputStream(), 1 << 16))) {
            byte[] head = new byte[8 * 17 + 4];
            for (int k = 0; k < cases.size(); k++) {
                try {
                    in.readFully(head);
                } catch (java.io.EOFException e) {
                    break;
                }
                ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
                long[] gpr = new long[16];
                for (int i = 0; i < 16; i++) {
                    gpr[i] = h.getLong();
                }
                long flags = h.getLong();
                byte[] mem = new byte[h.getInt()];
                in.readFully(mem);
                outs.add(new CaseOutput(gpr, flags, mem, -1));
            }
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("native harness timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the native harness", e);
        }
        Files.delete(input);
        if (p.exitValue() != 0 || outs.size() != cases.size()) {
            throw new IOException("native harness exited " + p.exitValue() + " after " + outs.size() + " of "
                    + cases.size() + " cases: " + Files.readString(err).strip());
        }
        return outs;
    }

    private static byte[] le(ByteBuffer b) {
        b.flip();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
