package vmm.x86.emu.internal.jit;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.ClassFile;
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
 * Decides which blocks to translate and defines their classes. A block is translated after
 * {@code vmm.emu.jit.threshold} executions (default {@value #DEFAULT_THRESHOLD}; 1 translates every
 * block, even one made mostly of handler calls, which is what the tests use) into a hidden class
 * that is not {@code STRONG}, so that it is unloaded with its block once the block cache drops it.
 * Translation runs on one background thread unless {@code vmm.emu.jit.sync} is set;
 * {@code vmm.emu.jit=false} turns the translator off.
 */
public final class Jit {
    private static final Logger LOG = LoggerFactory.getLogger(Jit.class);
    /**
     * Executions before a block is translated. A translation costs about 0.3-0.5 ms here plus
     * HotSpot's compilation of the new method, so only blocks that will run many more times pay:
     * to the shell prompt of a Linux boot, threshold 1000 translated 5 500 blocks and used 18.5 s
     * of CPU against 11.2 s interpreted; 20 000 translated about 600 and used 11.4-12.5 s.
     */
    public static final int DEFAULT_THRESHOLD = 20_000;
    /** HotSpot does not compile methods above 8000 bytes of bytecode (HugeMethodLimit). */
    private static final int MAX_CODE = 7900;
    /** The shortest prefix worth translating when a whole block is too large. */
    private static final int MIN_PREFIX = 4;
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /**
     * Class files of version 49 need no stack maps (the JVM infers the types when it verifies), which
     * halves the cost of a translation; the generated code uses nothing newer.
     */
    private static final ClassFile CF = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS);
    private static final ClassDesc NAME = ClassDesc.of(Jit.class.getPackageName() + ".Block");
    private static final BlockingQueue<Runnable> QUEUE = new ArrayBlockingQueue<>(1024);
    private static final AtomicLong TRANSLATED = new AtomicLong();
    private static final AtomicLong REFUSED = new AtomicLong();
    private static final AtomicLong SPLIT = new AtomicLong();
    private static final AtomicLong REGIONS = new AtomicLong();
    private static final AtomicLong NANOS = new AtomicLong();
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
        int threshold = Math.max(1, Integer.getInteger("vmm.emu.jit.threshold", DEFAULT_THRESHOLD));
        return new Jit(threshold, Boolean.getBoolean("vmm.emu.jit.sync"), fpu);
    }

    public int threshold() {
        return threshold;
    }

    /** Blocks translated and refused (too large, or a translator error) since start, for tests and logs. */
    public static long translated() {
        return TRANSLATED.get();
    }

    /** Times a translation too large for one method was cut to a prefix of the block, for tests. */
    public static long split() {
        return SPLIT.get();
    }

    /** Translations that cover more than one block (a region), for tests and logs. */
    public static long regions() {
        return REGIONS.get();
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
        // Threshold 1 (the tests' setting) translates every block, so that every path is checked.
        if (threshold > 1 && !Plan.worthTranslating(b.insns, b.mode)) {
            return;
        }
        // The successors are read here, on the vCPU thread that links them.
        Region region = Region.collect(b);
        if (sync) {
            b.compiled = translate(region, b.mode, fpu);
            return;
        }
        if (!QUEUE.offer(() -> b.compiled = translate(region, b.mode, fpu))) {
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

    /** The translation of one block (with its region), or null when it is refused (logged once per reason). */
    static Compiled translate(Region region, int mode, FpuBridge fpu) {
        long t0 = System.nanoTime();
        try {
            byte[] bytes = build(region, mode);
            if (bytes == null && region.blocks() > 1) {
                // A region too large for one method: its head block alone.
                region = region.head();
                bytes = build(region, mode);
            } else if (region.blocks() > 1) {
                REGIONS.incrementAndGet();
            }
            Insn[] insns = region.insns();
            // Too large for HotSpot: translate the first three quarters (its method exits where the rest
            // starts, and the rest is a block of its own), and so on while that is still too large.
            while (bytes == null && insns.length > MIN_PREFIX) {
                SPLIT.incrementAndGet();
                insns = java.util.Arrays.copyOf(insns, insns.length * 3 / 4);
                region = Region.single(insns);
                bytes = build(region, mode);
            }
            if (bytes == null) {
                REFUSED.incrementAndGet();
                return null;
            }
            MethodHandles.Lookup hidden = LOOKUP.defineHiddenClass(bytes, true);
            MethodHandle ctor = hidden.findConstructor(hidden.lookupClass(),
                    MethodType.methodType(void.class, Insn[].class, FpuBridge.class));
            Compiled c = (Compiled) ctor.invoke(insns, fpu);
            long n = TRANSLATED.incrementAndGet();
            long nanos = NANOS.addAndGet(System.nanoTime() - t0);
            if ((n & (n - 1)) == 0 && n >= 256) {
                LOG.info("JIT: {} blocks translated ({} with the blocks they lead to, {} refused) in {} ms", n,
                        REGIONS.get(), REFUSED.get(), nanos / 1_000_000);
            }
            return c;
        } catch (Throwable t) {
            REFUSED.incrementAndGet();
            if (REFUSED.get() < 10) {
                LOG.warn("JIT: a block could not be translated; it stays interpreted", t);
            }
            return null;
        }
    }

    /** The class file of one region's translation, or null when its method would be too large. */
    static byte[] build(Region region, int mode) {
        Insn[] insns = region.insns();
        ClassDesc cpu = EmitterBase.CD_CPU;
        MethodTypeDesc ctorType = MethodTypeDesc.of(CD_void, EmitterBase.CD_INSN.arrayType(), EmitterBase.CD_FPU);
        byte[] bytes = CF.build(NAME, clb -> clb
                .withVersion(ClassFile.JAVA_5_VERSION, 0)
                .withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER)
                .withSuperclass(EmitterBase.CD_COMPILED)
                .withMethodBody(ConstantDescs.INIT_NAME, ctorType, ClassFile.ACC_PUBLIC, cb -> cb
                        .aload(0).aload(1).aload(2)
                        .invokespecial(EmitterBase.CD_COMPILED, ConstantDescs.INIT_NAME, ctorType)
                        .return_())
                .withMethodBody("run", MethodTypeDesc.of(CD_long, cpu, CD_int), ClassFile.ACC_PUBLIC, cb -> {
                    new Emitter(cb, region, mode).emit();
                }));
        // The class file is larger than its code: parse only when the code may be over the limit.
        if (bytes.length > MAX_CODE && codeLength(bytes) > MAX_CODE) {
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
