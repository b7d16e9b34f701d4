package vmm.kvm.driver.internal.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.kvm.driver.internal.CProgram;
import vmm.kvm.driver.internal.Errno;
import vmm.kvm.driver.internal.KvmSystem;
import vmm.kvm.driver.internal.Libc;

/**
 * Every structure layout, ioctl number and constant of the driver against what gcc makes of
 * the installed linux/kvm.h and libc headers. The C program is generated from the Java
 * layouts themselves, so a member added to a layout is checked without touching this test.
 */
class KernelHeaderAbiTest {

    static final List<StructLayout> STRUCTS = List.of(
            KvmRun.LAYOUT, KvmRegs.LAYOUT, KvmSregs.LAYOUT, KvmSegment.LAYOUT, KvmDtable.LAYOUT,
            KvmFpu.LAYOUT, KvmXcrs.XCR, KvmXcrs.LAYOUT,
            KvmMsrEntry.LAYOUT, KvmMsrEntry.MSRS, KvmMsrEntry.MSR_LIST,
            KvmCpuidEntry.LAYOUT, KvmCpuidEntry.CPUID2,
            KvmLapicState.LAYOUT, KvmVcpuEvents.LAYOUT, KvmMpState.LAYOUT, KvmDebugregs.LAYOUT,
            KvmUserspaceMemoryRegion.LAYOUT, KvmDirtyLog.LAYOUT, KvmIrqLevel.LAYOUT, KvmMsi.LAYOUT,
            KvmIrqRouting.ENTRY, KvmIrqRouting.LAYOUT, KvmIoeventfd.LAYOUT, KvmIrqfd.LAYOUT,
            KvmPitConfig.LAYOUT, KvmClockData.LAYOUT, KvmIrqchip.LAYOUT, KvmPitState2.CHANNEL, KvmPitState2.LAYOUT);

    static final List<Class<?>> KVM_CONSTANT_HOLDERS = List.of(
            KvmIoctls.class, KvmCapabilities.class, KvmExitReasons.class, KvmUserspaceMemoryRegion.class,
            KvmIoeventfd.class, KvmIrqfd.class, KvmPitConfig.class, KvmClockData.class, KvmMpState.class,
            KvmVcpuEvents.class, KvmIrqRouting.class, KvmXcrs.class, KvmLapicState.class, KvmCpuidEntry.class, KvmIrqchip.class);

    @TempDir
    static Path dir;

    static Map<String, Long> java;
    static Map<String, Long> c;

    @BeforeAll
    static void buildBothSides() throws Exception {
        java = new LinkedHashMap<>();
        for (StructLayout s : STRUCTS) {
            describe(s, java);
        }
        java.putAll(constants());
        StringBuilder src = new StringBuilder("""
                #include <stdio.h>
                #include <stddef.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <signal.h>
                #include <sys/mman.h>
                #include <sys/eventfd.h>
                #include <linux/kvm.h>
                #define MEMBER_SIZE(s, m) sizeof(((struct s *)0)->m)
                int main(void) {
                """);
        for (String key : java.keySet()) {
            String[] k = key.split(" ");
            String expr = switch (k[0]) {
                case "sizeof" -> k.length == 2 ? "sizeof(struct " + k[1] + ")" : "MEMBER_SIZE(" + k[1] + ", " + k[2] + ")";
                case "alignof" -> "_Alignof(struct " + k[1] + ")";
                case "offsetof" -> "offsetof(struct " + k[1] + ", " + k[2] + ")";
                case "const" -> k[1];
                case "sizeof_sigaction" -> "sizeof(struct sigaction)";
                default -> throw new IllegalStateException(key);
            };
            src.append("    printf(\"%s=%llu\\n\", \"").append(key).append("\", (unsigned long long) (").append(expr)
                    .append("));\n");
        }
        src.append("    return 0;\n}\n");
        c = new LinkedHashMap<>();
        for (String line : CProgram.compileAndRun(dir, "abi", src.toString())) {
            int eq = line.lastIndexOf('=');
            c.put(line.substring(0, eq), Long.parseUnsignedLong(line.substring(eq + 1)));
        }
    }

    /** sizeof, _Alignof, and offsetof/sizeof of every named member, as C would name it. */
    static void describe(StructLayout struct, Map<String, Long> out) {
        String name = struct.name().orElseThrow();
        out.put("sizeof " + name, struct.byteSize());
        out.put("alignof " + name, struct.byteAlignment());
        members(name, struct, "", 0, out);
    }

    private static void members(String struct, GroupLayout group, String prefix, long base, Map<String, Long> out) {
        long offset = base;
        for (MemoryLayout m : group.memberLayouts()) {
            if (!(m instanceof PaddingLayout)) {
                String designator = m.name().map(n -> prefix + n).orElse(null);
                if (designator == null) {
                    // An anonymous union or struct: its members are the enclosing struct's in C.
                    members(struct, (GroupLayout) m, prefix, offset, out);
                } else {
                    member(struct, m, designator, offset, out);
                }
            }
            if (group instanceof StructLayout) {
                offset += m.byteSize();
            }
        }
    }

    private static void member(String struct, MemoryLayout m, String designator, long offset, Map<String, Long> out) {
        out.put("offsetof " + struct + " " + designator, offset);
        if (m instanceof SequenceLayout seq && seq.elementCount() == 0) {
            // A flexible array member has no sizeof in C; its element does.
            out.put("sizeof " + struct + " " + designator + "[0]", seq.elementLayout().byteSize());
            if (seq.elementLayout() instanceof GroupLayout g) {
                members(struct, g, designator + "[0].", offset, out);
            }
            return;
        }
        out.put("sizeof " + struct + " " + designator, m.byteSize());
        if (m instanceof GroupLayout g) {
            members(struct, g, designator + ".", offset, out);
        } else if (m instanceof SequenceLayout seq) {
            out.put("sizeof " + struct + " " + designator + "[0]", seq.elementLayout().byteSize());
            out.put("offsetof " + struct + " " + designator + "[1]", offset + seq.elementLayout().byteSize());
            if (seq.elementLayout() instanceof GroupLayout g) {
                members(struct, g, designator + "[0].", offset, out);
            }
        }
    }

    /** KVM_* constants of the abi classes, and the libc constants the driver passes or compares. */
    static Map<String, Long> constants() throws IllegalAccessException {
        Map<String, Long> out = new TreeMap<>();
        for (Class<?> holder : KVM_CONSTANT_HOLDERS) {
            for (Field f : holder.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("KVM_")) {
                    constant(f, out);
                }
            }
        }
        for (Class<?> holder : List.of(Libc.class, Errno.class)) {
            for (Field f : holder.getFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    constant(f, out);
                }
            }
        }
        out.put("const KVM_API_VERSION", (long) KvmSystem.SUPPORTED_API);
        out.put("const KVMIO", (long) Ioctl.KVMIO);
        return out;
    }

    private static void constant(Field f, Map<String, Long> out) throws IllegalAccessException {
        Object v = f.get(null);
        long value = switch (v) {
            case Ioctl ioctl -> {
                assertEquals(f.getName(), ioctl.name(), "an ioctl's name is its constant's name");
                yield ioctl.number();
            }
            case Integer i -> Integer.toUnsignedLong(i);
            case Long l -> l;
            default -> throw new IllegalStateException(f + " is a " + v.getClass());
        };
        out.put("const " + f.getName(), value);
    }

    @Test
    void everyStructureLayoutMatchesTheKernelHeader() {
        Map<String, Long> mismatches = new TreeMap<>();
        java.forEach((key, value) -> {
            if (!key.startsWith("const ") && !value.equals(c.get(key))) {
                mismatches.put(key, value);
            }
        });
        assertTrue(mismatches.isEmpty(), () -> "Java layout differs from C: " + mismatches.entrySet().stream()
                .map(e -> e.getKey() + " java=" + e.getValue() + " c=" + c.get(e.getKey())).toList());
        assertTrue(java.keySet().stream().filter(k -> k.startsWith("offsetof ")).count() > 250,
                "the walk reached the members");
    }

    @Test
    void ioctlNumbersMatchTheKernelHeader() {
        int checked = 0;
        for (Field f : KvmIoctls.class.getFields()) {
            String key = "const " + f.getName();
            assertEquals(c.get(key), java.get(key), f.getName());
            checked++;
        }
        assertEquals(45, checked, "ioctls compared");
        assertEquals(0xC208AE62L, KvmIoctls.KVM_GET_IRQCHIP.number());
        assertEquals(0x8208AE63L, KvmIoctls.KVM_SET_IRQCHIP.number());
        assertEquals(0x8070AE9FL, KvmIoctls.KVM_GET_PIT2.number());
        assertEquals(0x4070AEA0L, KvmIoctls.KVM_SET_PIT2.number());
        assertEquals(0xAE80L, KvmIoctls.KVM_RUN.number());
        assertEquals(0x4020AE46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION.number());
    }

    @Test
    void constantsMatchTheHeaders() {
        java.forEach((key, value) -> {
            if (key.startsWith("const ")) {
                assertEquals(c.get(key), value, key);
            }
        });
    }

    @Test
    void sigactionBufferIsTheSizeOfStructSigaction() throws Exception {
        Field size = Libc.class.getDeclaredField("SIGACTION_SIZE");
        size.setAccessible(true);
        String src = """
                #include <stdio.h>
                #include <stddef.h>
                #include <signal.h>
                int main(void) {
                    printf("%zu %zu\\n", sizeof(struct sigaction), offsetof(struct sigaction, sa_handler));
                    return 0;
                }
                """;
        assertEquals(List.of(size.get(null) + " 0"), CProgram.compileAndRun(dir, "sigaction", src));
    }
}
