package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.FpuState;

/**
 * A guest may send anything: every map, opcode, prefix, ModRM and state either executes or
 * raises a guest exception through the host; no Java exception of the unit's own escapes.
 */
class HostileInputTest {

    @Test
    void randomInstructionsOnlyEverRaiseGuestExceptions() {
        SplittableRandom rnd = new SplittableRandom(42);
        Gen g = new Gen(rnd);
        int[] maps = {0, 0x0f, 0x0f38, 0x0f3a};
        int[] prefixes = {0, 0x66, 0xf3, 0xf2};
        List<String> escaped = new ArrayList<>();
        int executed = 0;
        for (int n = 0; n < 60_000; n++) {
            int map = maps[rnd.nextInt(4)];
            int opcode = map == 0 ? (rnd.nextInt(9) == 0 ? 0x9b : 0xd8 + rnd.nextInt(8)) : rnd.nextInt(256);
            if (map == 0x0f && !FpuUnit.ownsTwoByte(opcode, 0)) {
                opcode = 0x10 + rnd.nextInt(0xf0);
            }
            int modrm = rnd.nextInt(256);
            boolean memory = (modrm >> 6) != 3;
            int reg = (modrm >> 3 & 7) | (rnd.nextBoolean() ? 8 : 0);
            int rm = memory ? 0 : (modrm & 7) | (rnd.nextBoolean() ? 8 : 0);
            boolean w = rnd.nextBoolean();
            SimdInsn insn = new SimdInsn(map, opcode, prefixes[rnd.nextInt(4)], opcode == 0x9b ? -1 : modrm, reg, rm,
                    memory, w, w ? 8 : rnd.nextBoolean() ? 4 : 2, rnd.nextInt(256));
            FpuUnit u = new FpuUnit();
            u.restore(new FpuState(g.fx(true, true)));
            FakeHost h = new FakeHost(512);
            System.arraycopy(g.gpr(), 0, h.gpr, 0, 16);
            byte[] m = g.mem(512);
            System.arraycopy(m, 0, h.mem, 0, 512);
            h.cr0 = rnd.nextInt(8) == 0 ? h.cr0 ^ (1L << rnd.nextInt(4)) : h.cr0;
            h.cr4 = rnd.nextInt(8) == 0 ? 0x200 : h.cr4;
            try {
                u.execute(insn, h);
                executed++;
            } catch (FakeHost.Fault f) {
                // a guest exception: the architectural answer
            } catch (RuntimeException e) {
                if (escaped.size() < 20) {
                    escaped.add(insn + ": " + e);
                }
            }
        }
        assertTrue(escaped.isEmpty(), String.join("\n", escaped));
        assertTrue(executed > 10_000, "only " + executed + " instructions executed");
    }
}
