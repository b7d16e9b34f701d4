package vmm.x86.emu.internal.jit;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.decode.Block;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.exec.FpuBridge;

/**
 * Translates hot blocks to JVM bytecode so that HotSpot compiles the guest's hot code. A block is
 * translated after {@link #threshold} executions into a hidden class (not {@code STRONG}, so it is
 * unloaded with its block once the block cache drops it), on a background thread unless
 * {@code vmm.emu.jit.sync} is set. System properties: {@code vmm.emu.jit} ({@code false}
 * turns it off), {@code vmm.emu.jit.threshold} (default 100), {@code vmm.emu.jit.sync}.
 */
public final class Jit {
    private static final Logger LOG = LoggerFactory.getLogger(Jit.class);
    /** HotSpot does not compile methods above 8000 bytes of bytecode (HugeMethodLimit). */
    private static final int MAX_CODE = 7900;
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final ClassFile CF = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofClassLoading(Jit.class.getClassLoader()))));
    private static final ClassDesc NAME = ClassDesc.of(Jit.class.getPackageName() + ".Block");
    private static final BlockingQueue<Runnable> QUEUE = new ArrayBlockingQueue<>(1024);
    private static final AtomicLong TRANSLATED = new AtomicLong();
    private static final AtomicLong REFUSED = new AtomicLong();
    private static volatile Thread worker;

    private final int threshold;
    private final boolean sync;
    private final FpuBridge fpu;

    private Jit(int threshold, boolean sync, FpuBridge fpu) {
        this.threshold = threshold;
        this.sync = sync;
        this.fpu = fpu;
    }

    /** The translator for one vCPU's interpreter, or null when {@code vmm.emu.jit=false}. */
    public static Jit create(FpuBridge fpu) {
        if ("false".equalsIgnoreCase(System.getProperty("vmm.emu.jit", "true"))) {
            return null;
        }
        int threshold = Math.max(1, Integer.getInteger("vmm.emu.jit.threshold", 100));
        return new Jit(threshold, Boolean.getBoolean("vmm.emu.jit.sync"), fpu);
    }

    public int threshold() {
        return threshold;
    }

    /** Blocks translated and refused (too large, or a translator error) since start, for tests and logs. */
    public static long translated() {
        return TRANSLATED.get();
    }

    public static long refused() {
        return REFUSED.get();
    }

    /** Counts one execution of {@code b}; at the threshold, translates it (now or in the background). */
    public void count(Block b) {
        if (b.hits < 0 || ++b.hits < threshold || b.generation < 0) {
            return;
        }
        b.hits = -1;
        if (sync) {
            b.compiled = translate(b.insns, b.mode, fpu);
            return;
        }
        if (!QUEUE.offer(() -> b.compiled = translate(b.insns, b.mode, fpu))) {
            b.hits = 0;
            return;
        }
        startWorker();
    }

    private static synchronized void startWorker() {
        if (worker != null) {
            return;
        }
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    QUEUE.take().run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }, "vmm-emu-jit");
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY - 1);
        worker = t;
        t.start();
    }

    /** The translation of one block, or null when it is refused (logged once per reason). */
    static Compiled translate(Insn[] insns, int mode, FpuBridge fpu) {
        try {
            byte[] bytes = build(insns, mode);
            if (bytes == null) {
                REFUSED.incrementAndGet();
                return null;
            }
            MethodHandles.Lookup hidden = LOOKUP.defineHiddenClass(bytes, true);
            MethodHandle ctor = hidden.findConstructor(hidden.lookupClass(),
                    MethodType.methodType(void.class, Insn[].class, FpuBridge.class));
            Compiled c = (Compiled) ctor.invoke(insns, fpu);
            TRANSLATED.incrementAndGet();
            return c;
        } catch (Throwable t) {
            REFUSED.incrementAndGet();
            if (REFUSED.get() < 10) {
                LOG.warn("JIT: a block could not be translated; it stays interpreted", t);
            }
            return null;
        }
    }

    /** The class file of one block's translation, or null when its method would be too large. */
    static byte[] build(Insn[] insns, int mode) {
        ClassDesc cpu = EmitterBase.CD_CPU;
        MethodTypeDesc ctorType = MethodTypeDesc.of(CD_void, EmitterBase.CD_INSN.arrayType(), EmitterBase.CD_FPU);
        int[] size = new int[1];
        byte[] bytes = CF.build(NAME, clb -> clb
                .withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER)
                .withSuperclass(EmitterBase.CD_COMPILED)
                .withMethodBody(ConstantDescs.INIT_NAME, ctorType, ClassFile.ACC_PUBLIC, cb -> cb
                        .aload(0).aload(1).aload(2)
                        .invokespecial(EmitterBase.CD_COMPILED, ConstantDescs.INIT_NAME, ctorType)
                        .return_())
                .withMethodBody("run", MethodTypeDesc.of(CD_long, cpu, CD_int), ClassFile.ACC_PUBLIC, cb -> {
                    new Emitter(cb, insns, mode).emit();
                }));
        size[0] = codeLength(bytes);
        if (size[0] > MAX_CODE) {
            return null;
        }
        return bytes;
    }

    private static int codeLength(byte[] bytes) {
        return CF.parse(bytes).methods().stream().filter(m -> m.methodName().equalsString("run"))
                .flatMap(m -> m.code().stream()).mapToInt(c -> ((java.lang.classfile.attribute.CodeAttribute) c).codeLength()).findFirst().orElse(0);
    }

    static {
        // Cpu is referenced by name in generated code; make sure it is loaded by our loader first.
        Cpu.class.getName();
    }
}
