package vmm.x86.emu.internal.fpu;

/** One differential case: the instruction (bytes and decoded form) and the state before it. */
record DiffCase(Spec spec, byte[] code, SimdInsn insn, byte[] fx, long[] gpr, byte[] mem, long rflags) {
}
