/**
 * Guest kernel loaders: put a Linux kernel, its command line, an initrd and the boot
 * structures the kernel expects into guest RAM, and say where the vCPU must start.
 * <ul>
 * <li>{@link vmm.core.loader.BzImageLoader}: a bzImage through the Linux x86 64-bit boot
 * protocol (zero page, entry at load address + 0x200).</li>
 * <li>{@link vmm.core.loader.PvhLoader}: an uncompressed vmlinux ELF through its Xen PVH entry
 * (hvm_start_info, 32-bit entry), which skips the kernel's self-decompression.</li>
 * <li>{@link vmm.core.loader.MultibootLoader}: a multiboot v1 kernel (ELF32 or a.out kludge),
 * entered in 32-bit protected mode with the multiboot information in EBX.</li>
 * </ul>
 * {@link vmm.core.loader.KernelKind#detect} tells them apart as QEMU's {@code -kernel} does.
 * All describe memory to the guest with an {@link vmm.core.loader.E820Map}. The loaders only
 * write memory: setting up the vCPU (registers, segments, page tables for the 64-bit entry) is
 * the caller's job, guided by {@link vmm.core.loader.BootInfo}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package vmm.core.loader;
