package vmm.x86.emu.diff;

/**
 * The state after a snippet: registers, RFLAGS, the data window, and the exception vector the
 * CPU raised instead of finishing (-1 when it finished).
 */
record CaseOutput(long[] gpr, long rflags, byte[] mem, int exception) {
}
