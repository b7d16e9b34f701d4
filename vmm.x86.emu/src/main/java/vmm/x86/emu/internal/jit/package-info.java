/**
 * Hot blocks translated to JVM bytecode, so that HotSpot compiles the guest's hot code.
 *
 * <p>{@code Interpreter} counts the executions of each cached block (up to 64 instructions); {@code Jit}
 * has a hot one translated by {@code Emitter} into a hidden class extending {@code Compiled} (one
 * method, {@code run(Cpu, budget)}, kept under HotSpot's 8000-byte limit: a block too large has a
 * prefix translated, and the rest becomes a block of its own). The translation lives and dies with
 * its {@code Block}: code writes, CR3 and mode changes invalidate it exactly as they invalidate the
 * decoded block.
 *
 * <p>Inside the method the integer instructions (MOV, MOVZX/MOVSX/MOVSXD, LEA, the ALU group,
 * TEST, INC/DEC, NOT/NEG, IMUL, MUL/IMUL/DIV/IDIV over rDX:rAX with #DE, CBW/CWD and their wider
 * forms, XCHG between registers, BSWAP, shifts and rotates by a constant, CMOVcc, SETcc, PUSH/POP
 * in 64-bit mode, and the closing Jcc/JMP) are inline: the guest registers the block uses live in
 * JVM locals, the last flag producer's operands too, and flags that a later instruction
 * overwrites before anything can read them are not computed at all. Everything else calls the
 * interpreter's handler (x87/SSE ones directly, without the opcode dispatch). Before the call
 * the registers and flags are stored: all of them in general, only those the instruction touches
 * for the ones {@code Touch} classifies (x87/MMX/SSE by opcode, integer instructions whose
 * registers are ModRM's plus a known implicit one), whose handler calls are guarded like inline
 * memory accesses. A block that branches back to its own start loops inside the method while the
 * vCPU loop's budget lasts.
 *
 * <p>The common SSE forms ({@code SseForm}: MOVAPS/MOVDQA/MOVUPS and kin, MOVSD/MOVSS/MOVQ/MOVD,
 * the 128-bit logic, ADD/SUB/MUL/DIV/SQRT/MIN/MAX scalar and packed in double and single,
 * CVTSI2SD/SS, CVT[T]SD/SS2SI, CVTSS2SD/CVTSD2SS, (U)COMISD/SS, the common SSE2 integer forms and
 * shuffles, the shifts by immediate, the unpacks and SSSE3's PSHUFB: all of the kernel's
 * blake2s_compress_ssse3 round loop; from registers or memory) have an inline fast path
 * ({@code EmitterSse}, {@code SseFast}, {@code SseLanes}, {@code SsePackedInt}, {@code SseShift},
 * {@code SseShuffle}) in front of their handler call. It runs under a gate computed on entry and
 * after every handler call (CR0.EM/TS clear and CR4.OSFXSR set; for arithmetic also MXCSR with
 * every exception masked, round to nearest, no DAZ/FTZ and PE already set) and only on operands
 * for which Java's IEEE arithmetic is the instruction's result and PE the only flag it could raise:
 * zero or normal finite inputs, a finite result that is exactly zero or clear of the denormal
 * range. Anything else takes the handler, which is exact and raises what the instruction raises;
 * both paths leave the translation state alike.
 *
 * <p>Precise state: memory accesses go through {@code Mem} (segmentation, software TLB); each is
 * covered by an exception handler that stores the registers and flags as they were before the
 * access and sets RIP to the faulting instruction, so a guest fault looks exactly as it does in
 * the interpreter while the fast path stores nothing. A write that hits code (or anything else
 * that sets {@code Cpu.stop}) ends the method after the instruction, with the state stored.
 */
package vmm.x86.emu.internal.jit;
