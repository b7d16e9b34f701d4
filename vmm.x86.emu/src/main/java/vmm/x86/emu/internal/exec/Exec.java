package vmm.x86.emu.internal.exec;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Cpuid;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.GuestFault;
import vmm.x86.emu.internal.cpu.Interrupts;
import vmm.x86.emu.internal.cpu.Segments;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;

/**
 * Executes one decoded instruction: a switch on {@link Insn#op} that hands each family to its
 * own class. Kept small so that HotSpot compiles it (its limit is 8000 bytes of bytecode).
 */
public final class Exec {
    private static final Logger LOG = LoggerFactory.getLogger(Exec.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private Exec() {
    }

    public static void execute(Cpu c, Insn i, FpuBridge fpu) {
        switch (i.op) {
            case Op.ALU_RM_R -> Alu.rm(c, i, c.reg(i.reg, i.osz));
            case Op.ALU_R_RM -> Alu.rRm(c, i);
            case Op.ALU_RM_I -> Alu.rm(c, i, i.imm);
            case Op.TEST_RM_R -> Alu.test(c, i, c.reg(i.reg, i.osz));
            case Op.TEST_RM_I -> Alu.test(c, i, i.imm);
            case Op.INC -> Alu.incDec(c, i, true);
            case Op.DEC -> Alu.incDec(c, i, false);
            case Op.NOT -> Alu.notNeg(c, i, false);
            case Op.NEG -> Alu.notNeg(c, i, true);
            case Op.MUL -> MulDiv.mul(c, i, false);
            case Op.IMUL1 -> MulDiv.mul(c, i, true);
            case Op.DIV -> MulDiv.div(c, i, false);
            case Op.IDIV -> MulDiv.div(c, i, true);
            case Op.IMUL_R_RM -> MulDiv.imul(c, i, false);
            case Op.IMUL_R_RM_I -> MulDiv.imul(c, i, true);
            case Op.SHIFT -> Shifts.shift(c, i);
            case Op.SHLD -> Shifts.doubleShift(c, i, true);
            case Op.SHRD -> Shifts.doubleShift(c, i, false);
            case Op.BT_R -> BitOps.bt(c, i, false);
            case Op.BT_I -> BitOps.bt(c, i, true);
            case Op.BSF -> BitOps.bsf(c, i, true);
            case Op.BSR -> BitOps.bsf(c, i, false);
            case Op.BSWAP -> BitOps.bswap(c, i);
            case Op.MOV_RM_R -> Operands.writeRm(c, i, i.osz, c.reg(i.reg, i.osz));
            case Op.MOV_R_RM -> c.setReg(i.reg, i.osz, Operands.readRm(c, i, i.osz));
            case Op.MOV_RM_I -> Operands.writeRm(c, i, i.osz, i.imm);
            case Op.LEA -> c.setReg(i.reg, i.osz, Operands.ea(c, i));
            case Op.MOVZX -> DataOps.movzx(c, i, false);
            case Op.MOVSX -> DataOps.movzx(c, i, true);
            case Op.MOVSXD -> DataOps.movsxd(c, i);
            case Op.XCHG -> DataOps.xchg(c, i);
            case Op.CMOV -> DataOps.cmov(c, i);
            case Op.SETCC -> Operands.writeRm(c, i, 1, Flags.cond(c, i.cc) ? 1 : 0);
            case Op.CBW -> DataOps.cbw(c, i);
            case Op.CWD -> DataOps.cwd(c, i);
            case Op.LAHF -> DataOps.lahf(c);
            case Op.SAHF -> DataOps.sahf(c);
            case Op.XLAT -> DataOps.xlat(c, i);
            case Op.CMPXCHG -> DataOps.cmpxchg(c, i);
            case Op.CMPXCHG8B -> DataOps.cmpxchg8b(c, i);
            case Op.XADD -> DataOps.xadd(c, i);
            case Op.NOP, Op.FENCE, Op.WBINVD -> wbinvd(c, i);
            case Op.PAUSE -> SystemOps.pause(c);
            case Op.CLFLUSH -> c.mem.read(i.seg, Operands.ea(c, i), 1);
            case Op.PUSH_R -> StackOps.pushR(c, i);
            case Op.POP_R -> StackOps.popR(c, i);
            case Op.PUSH_I -> Operands.push(c, i.osz, i.imm);
            case Op.PUSH_RM -> Operands.push(c, i.osz, Operands.readRm(c, i, i.osz));
            case Op.POP_RM -> StackOps.popRm(c, i);
            case Op.PUSH_SEG -> StackOps.pushSeg(c, i);
            case Op.POP_SEG -> StackOps.popSeg(c, i);
            case Op.PUSHA -> StackOps.pusha(c, i);
            case Op.POPA -> StackOps.popa(c, i);
            case Op.PUSHF -> StackOps.pushf(c, i);
            case Op.POPF -> StackOps.popf(c, i);
            case Op.ENTER -> StackOps.enter(c, i);
            case Op.LEAVE -> StackOps.leave(c, i);
            case Op.JMP_REL -> ControlFlow.jump(c, c.nextRip + i.imm, i.osz);
            case Op.JCC -> ControlFlow.jcc(c, i);
            case Op.CALL_REL -> ControlFlow.callRel(c, i);
            case Op.RET -> ControlFlow.ret(c, i);
            case Op.JMP_RM -> ControlFlow.jump(c, Operands.readRm(c, i, i.osz), i.osz);
            case Op.CALL_RM -> ControlFlow.callRm(c, i);
            case Op.JMP_FAR -> ControlFlow.jmpFar(c, (int) i.imm2, i.imm);
            case Op.CALL_FAR -> ControlFlow.callFar(c, (int) i.imm2, i.imm, i.osz);
            case Op.JMP_FAR_MEM -> ControlFlow.farMem(c, i, false);
            case Op.CALL_FAR_MEM -> ControlFlow.farMem(c, i, true);
            case Op.RETF -> ControlFlow.retf(c, i);
            case Op.IRET -> ControlFlow.iret(c, i);
            case Op.LOOP -> ControlFlow.loop(c, i);
            case Op.JCXZ -> ControlFlow.jcxz(c, i);
            case Op.STRING -> Io.string(c, i);
            case Op.IN -> Io.inOut(c, i, true);
            case Op.OUT -> Io.inOut(c, i, false);
            default -> rare(c, i, fpu);
        }
    }

    // Entry points for translated code: one family each, without the dispatch on {@link Insn#op}, and
    // small enough for HotSpot to inline into the translation. Same signature as execute.

    public static void fpu(Cpu c, Insn i, FpuBridge fpu) {
        fpu.execute(c, i);
    }

    public static void shift(Cpu c, Insn i, FpuBridge fpu) {
        Shifts.shift(c, i);
    }

    public static void shld(Cpu c, Insn i, FpuBridge fpu) {
        Shifts.doubleShift(c, i, true);
    }

    public static void shrd(Cpu c, Insn i, FpuBridge fpu) {
        Shifts.doubleShift(c, i, false);
    }

    public static void btReg(Cpu c, Insn i, FpuBridge fpu) {
        BitOps.bt(c, i, false);
    }

    public static void btImm(Cpu c, Insn i, FpuBridge fpu) {
        BitOps.bt(c, i, true);
    }

    public static void bsf(Cpu c, Insn i, FpuBridge fpu) {
        BitOps.bsf(c, i, true);
    }

    public static void bsr(Cpu c, Insn i, FpuBridge fpu) {
        BitOps.bsf(c, i, false);
    }

    public static void xadd(Cpu c, Insn i, FpuBridge fpu) {
        DataOps.xadd(c, i);
    }

    public static void cmpxchg(Cpu c, Insn i, FpuBridge fpu) {
        DataOps.cmpxchg(c, i);
    }

    public static void string(Cpu c, Insn i, FpuBridge fpu) {
        Io.string(c, i);
    }

    public static void callRel(Cpu c, Insn i, FpuBridge fpu) {
        ControlFlow.callRel(c, i);
    }

    public static void ret(Cpu c, Insn i, FpuBridge fpu) {
        ControlFlow.ret(c, i);
    }

    public static void callRm(Cpu c, Insn i, FpuBridge fpu) {
        ControlFlow.callRm(c, i);
    }

    public static void jumpRm(Cpu c, Insn i, FpuBridge fpu) {
        ControlFlow.jump(c, Operands.readRm(c, i, i.osz), i.osz);
    }

    public static void leave(Cpu c, Insn i, FpuBridge fpu) {
        StackOps.leave(c, i);
    }

    private static void wbinvd(Cpu c, Insn i) {
        if (i.op == Op.WBINVD) {
            SystemOps.requireCpl0(c);
        }
    }

    private static void rare(Cpu c, Insn i, FpuBridge fpu) {
        switch (i.op) {
            case Op.INT -> Interrupts.software(c, (int) i.imm, true);
            case Op.INT3 -> Interrupts.software(c, GuestFault.BP, true);
            case Op.INTO -> {
                if (Flags.of(c)) {
                    Interrupts.software(c, GuestFault.OF, true);
                }
            }
            case Op.INT1 -> Interrupts.software(c, GuestFault.DB, false);
            case Op.HLT -> SystemOps.hlt(c);
            case Op.SYSCALL -> FastCalls.syscall(c);
            case Op.SYSRET -> FastCalls.sysret(c, i);
            case Op.SYSENTER -> FastCalls.sysenter(c);
            case Op.SYSEXIT -> FastCalls.sysexit(c, i);
            case Op.CMC -> Flags.setArith(c, Flags.arith(c) ^ Flags.CF);
            case Op.CLC -> Flags.setArith(c, Flags.arith(c) & ~Flags.CF);
            case Op.STC -> Flags.setArith(c, Flags.arith(c) | Flags.CF);
            case Op.CLI -> SystemOps.cli(c);
            case Op.STI -> SystemOps.sti(c);
            case Op.CLD -> c.flagsHi &= ~Flags.DF;
            case Op.STD -> c.flagsHi |= Flags.DF;
            case Op.DAA -> Bcd.daa(c, false);
            case Op.DAS -> Bcd.daa(c, true);
            case Op.AAA -> Bcd.aaa(c, false);
            case Op.AAS -> Bcd.aaa(c, true);
            case Op.AAM -> Bcd.aam(c, (int) i.imm);
            case Op.AAD -> Bcd.aad(c, (int) i.imm);
            case Op.SALC -> Bcd.salc(c);
            case Op.MOV_SEG_RM -> {
                Segments.load(c, i.sub, (int) Operands.readRm(c, i, 2));
                if (i.sub == Cpu.SS) {
                    c.interruptShadow = true;
                    c.stop = true;
                }
            }
            case Op.MOV_RM_SEG -> {
                if (i.sub > 5) {
                    throw c.ud();
                }
                Operands.writeRm(c, i, i.mem ? 2 : i.osz, c.segSel[i.sub]);
            }
            case Op.LOAD_FAR_PTR -> loadFarPointer(c, i);
            case Op.GRP6 -> SystemOps.group6(c, i);
            case Op.GRP7 -> SystemOps.group7(c, i);
            case Op.LAR -> SystemOps.larLsl(c, i, true);
            case Op.LSL -> SystemOps.larLsl(c, i, false);
            case Op.CLTS -> SystemOps.clts(c);
            case Op.MOV_CR -> SystemOps.movCr(c, i);
            case Op.MOV_DR -> SystemOps.movDr(c, i);
            case Op.WRMSR -> SystemOps.wrmsr(c);
            case Op.RDMSR -> SystemOps.rdmsr(c);
            case Op.RDTSC -> SystemOps.rdtsc(c);
            case Op.RDPMC -> SystemOps.rdpmc(c);
            case Op.CPUID -> Cpuid.execute(c);
            case Op.ARPL -> arpl(c, i);
            case Op.FPU -> fpu.execute(c, i);
            case Op.TOO_LONG -> throw c.gp(0);
            case Op.RDRAND -> RandomOps.rdrand(c, i);
            case Op.UD -> undefined(c, i);
            default -> undefined(c, i);
        }
    }

    private static void loadFarPointer(Cpu c, Insn i) {
        long ea = Operands.ea(c, i);
        int size = i.osz;
        long offset = c.mem.read(i.seg, ea, size);
        int sel = (int) c.mem.read(i.seg, Operands.mask(ea + size, i.asz), 2);
        Segments.load(c, i.cc, sel);
        c.setReg(i.reg, size, offset);
        if (i.cc == Cpu.SS) {
            c.interruptShadow = true;
            c.stop = true;
        }
    }

    private static void arpl(Cpu c, Insn i) {
        if (!c.pe()) {
            throw c.ud();
        }
        long d = Operands.readRm(c, i, 2);
        long s = c.reg(i.reg, 2);
        long f = Flags.arith(c) & ~Flags.ZF;
        if ((d & 3) < (s & 3)) {
            Operands.writeRm(c, i, 2, (d & ~3L) | (s & 3));
            f |= Flags.ZF;
        }
        Flags.setArith(c, f);
    }

    private static void undefined(Cpu c, Insn i) {
        if (i.bytes != null && i.bytes.length > 0) {
            String hex = HexFormat.of().formatHex(i.bytes);
            String key = hex.substring(0, Math.min(hex.length(), 8));
            if (LOGGED.add(key)) {
                LOG.warn("vCPU {}: unimplemented opcode {} at rip 0x{} (mode {}-bit): #UD", c.index, hex,
                        Long.toHexString(c.rip), c.codeSize * 8);
            }
        }
        throw c.ud();
    }
}
