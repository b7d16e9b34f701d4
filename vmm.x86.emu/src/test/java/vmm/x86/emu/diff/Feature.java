package vmm.x86.emu.diff;

/** CPUID feature bits that gate instruction forms (Intel SDM vol. 2, CPUID). */
enum Feature {
    CX16(1, 0, 2, 13), POPCNT(1, 0, 2, 23), MOVBE(1, 0, 2, 22),
    BMI1(7, 0, 1, 3), ADX(7, 0, 1, 19),
    LAHF_LM(0x80000001, 0, 2, 0), ABM(0x80000001, 0, 2, 5);

    final int leaf, subleaf, reg, bit;

    /** {@code reg}: 0 EAX, 1 EBX, 2 ECX, 3 EDX of the CPUID output. */
    Feature(int leaf, int subleaf, int reg, int bit) {
        this.leaf = leaf;
        this.subleaf = subleaf;
        this.reg = reg;
        this.bit = bit;
    }
}
