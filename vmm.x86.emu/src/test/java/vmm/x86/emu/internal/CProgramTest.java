package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.hypervisor.state.VcpuState;

/**
 * gcc-compiled C (kernel-style flags: no SSE, no red zone) run natively and on the software CPU:
 * {@code long test(char *out)} must return the same value and leave the same 256 bytes.
 */
class CProgramTest {
    static GuestRig rig;
    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterAll
    static void tearDown() {
        rig.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"printf.c", "algorithms.c"})
    void sameResultAsTheHostCpu(String name) throws Exception {
        Path src = dir.resolve(name);
        try (InputStream in = CProgramTest.class.getResourceAsStream(name)) {
            Files.write(src, in.readAllBytes());
        }
        Path obj = dir.resolve(name + ".o");
        run("gcc", "-O2", "-fno-pic", "-fno-stack-protector", "-mno-red-zone", "-mgeneral-regs-only",
                "-ffreestanding", "-fno-builtin", "-c", src.toString(), "-o", obj.toString());
        Path main = dir.resolve("main.c");
        Files.writeString(main, """
                #include <stdio.h>
                long test(char *out);
                int main() { static char out[256]; long r = test(out); printf("%lx\\n", r);
                  for (int i = 0; i < 256; i++) printf("%02x", (unsigned char) out[i]); printf("\\n"); return 0; }
                """);
        Path exe = dir.resolve(name + ".native");
        run("gcc", "-no-pie", main.toString(), obj.toString(), "-o", exe.toString());
        String[] nativeOut = run(exe.toString()).split("\n");

        Path start = dir.resolve("start.s");
        Files.writeString(start, """
                .intel_syntax noprefix
                .globl _start
                _start:
                    mov rdi, 0x200000
                    call test
                    hlt
                """);
        Path startObj = dir.resolve("start.o");
        run("as", "--64", "-o", startObj.toString(), start.toString());
        Path elf = dir.resolve(name + ".elf");
        run("ld", "-m", "elf_x86_64", "-Ttext=0x100000", "-e", "_start", "-o", elf.toString(), startObj.toString(),
                obj.toString());
        Path bin = dir.resolve(name + ".bin");
        run("objcopy", "-O", "binary", elf.toString(), bin.toString());
        rig.memory.write(GuestRig.DATA, ByteBuffer.allocate(256));
        rig.load(GuestRig.CODE, Files.readAllBytes(bin));
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        VcpuState s = rig.runToHalt();
        byte[] out = new byte[256];
        rig.memory.read(GuestRig.DATA, ByteBuffer.wrap(out));
        assertEquals(nativeOut[0], Long.toHexString(GuestRig.reg(s, 0)), "return value");
        assertEquals(nativeOut[1], HexFormat.of().formatHex(out), "output bytes");
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
