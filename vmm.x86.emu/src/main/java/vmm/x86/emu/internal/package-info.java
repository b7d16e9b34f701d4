/**
 * The software x86-64 CPU behind the {@code emu} accelerator (QEMU TCG's role), an interpreter
 * over cached decoded blocks.
 *
 * <h2>Structure</h2>
 * <ul>
 * <li>{@code EmuHypervisor}, {@code EmuVm}, {@code EmuVcpu}: the accelerator SPI. A vCPU's
 * {@code run()} alternates between a batch of blocks and its local APIC's events (INIT, SIPI,
 * NMI, INTR), which are looked at between batches only; HLT sleeps in
 * {@code InterruptPort.await} (or returns {@code Halted} without an APIC).</li>
 * <li>{@code decode}: prefixes, REX, the one/two/three-byte maps, ModRM/SIB, immediates into
 * {@code Insn}s; nothing there executes. Blocks end at a branch, after 32 instructions or at the
 * page end.</li>
 * <li>{@code exec}: one class per instruction family, dispatched by {@code Exec}'s switch on the
 * operation id; {@code Interpreter} finds blocks and runs them.</li>
 * <li>{@code cpu}: the architectural state ({@code Cpu}), lazy flags ({@code Flags}),
 * segmentation and the software TLB ({@code Mem}), the page walker ({@code Paging}), descriptor
 * checks ({@code Segments}), exception and interrupt delivery ({@code Interrupts}), MSRs and
 * CPUID.</li>
 * <li>{@code jit}: hot blocks translated to JVM bytecode for HotSpot to compile (see its
 * package-info); {@code -Dvmm.emu.jit=false} keeps everything interpreted.</li>
 * <li>{@code fpu}: the x87/MMX/SSE unit, a separate contract ({@code FpuUnit}/{@code FpuHost}).</li>
 * </ul>
 *
 * <h2>Speed</h2>
 * Decoded blocks are cached per vCPU in a direct-mapped table keyed by guest-physical address
 * and code size, so they survive CR3 switches. Flags are lazy (operation kind, operands and
 * result; a flag is computed when read). The TLB is direct-mapped with separate read, write and
 * fetch tags that have the user/supervisor bit folded in, so a hit is one compare and the host
 * address one add; everything else (misses, MMIO, the APIC page, page-crossing accesses, pages
 * holding decoded code) takes the slow path. Guest exceptions unwind to the block loop as one
 * preallocated, stackless {@code GuestFault}; handlers commit state only after the last access
 * that can fault, so RIP and the flags are exact. The hot loop allocates nothing.
 *
 * <h2>SMP and self-modifying code</h2>
 * One host thread per vCPU (the machine's). Guest RAM is shared memory segments; plain
 * accesses are plain (x86 hosts give the guest the ordering it expects), LOCKed read-modify-write
 * instructions and XCHG are compare-and-set loops on the aligned 8-byte word holding the operand
 * (a global lock stands in for the bus lock when the operand straddles 8 bytes, a page or MMIO).
 * Code written by any vCPU or device invalidates decoded blocks for all: {@code PhysMem} keeps a
 * shared bit per page that holds decoded code and a per-page generation; no vCPU keeps a fast
 * write mapping of a code page (marking a page bumps a VM-wide epoch, and every vCPU drops its
 * write TLB at its next block boundary when it sees a new one), so a write to such a page takes
 * the slow path, bumps the generation and ends the current block; blocks check their page's
 * generation when they are looked up. {@code AcceleratedVm.invalidateCode} does the same for
 * loaders and DMA.
 *
 * <h2>Not implemented</h2>
 * Virtual-8086 mode, 16-bit TSSs (32-bit hardware task switches work), call gates,
 * data and I/O breakpoints (instruction breakpoints and single-step traps work), SMM, the A20
 * gate (always enabled), MONITOR/MWAIT, CMPXCHG16B, RDPID, XSAVE, PCID, SMEP/SMAP, 5-level
 * paging, MCE; none of them is advertised in CPUID. The x2APIC is the local APIC's (the CPU
 * passes MSRs 0x800-0x8ff to it and advertises it when the APIC says it has it).
 */
package vmm.x86.emu.internal;
