package vmm.core.hypervisor.state;

/**
 * The debug registers: breakpoint addresses DR0-DR3, status DR6 and control DR7. A guest that
 * armed a breakpoint (a debugger inside it) expects it armed after a restore.
 */
public record DebugRegisters(long dr0, long dr1, long dr2, long dr3, long dr6, long dr7) {
    /** The values after RESET and INIT (SDM 17.2: DR6 reads FFFF0FF0H, DR7 400H). */
    public static final DebugRegisters RESET = new DebugRegisters(0, 0, 0, 0, 0xffff0ff0L, 0x400);
}
