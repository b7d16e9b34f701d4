package vmm.kvm.driver.internal.abi;

import java.lang.foreign.MemoryLayout;

/**
 * An ioctl request: its number, and its name so that a failure can say which call it was.
 * The numbers are built as asm-generic/ioctl.h builds them, from the size of the structure
 * each one carries: the kernel rejects a request whose encoded size is not its own.
 */
public record Ioctl(String name, long number) {
    /** The ioctl type of every KVM request. */
    public static final int KVMIO = 0xAE;

    private static final int NRSHIFT = 0;
    private static final int TYPESHIFT = 8;
    private static final int SIZESHIFT = 16;
    private static final int DIRSHIFT = 30;
    private static final long SIZEMASK = (1 << 14) - 1;

    private static final int NONE = 0;
    private static final int WRITE = 1;
    private static final int READ = 2;

    public static long encode(int direction, int type, int nr, long size) {
        if (size < 0 || size > SIZEMASK) {
            throw new IllegalArgumentException("ioctl argument size " + size + " does not fit in 14 bits");
        }
        return ((long) direction << DIRSHIFT) | (size << SIZESHIFT) | ((long) type << TYPESHIFT) | ((long) nr << NRSHIFT);
    }

    /** _IO(KVMIO, nr) */
    public static Ioctl io(String name, int nr) {
        return new Ioctl(name, encode(NONE, KVMIO, nr, 0));
    }

    /** _IOR(KVMIO, nr, type): the kernel writes a {@code type} back. */
    public static Ioctl ior(String name, int nr, MemoryLayout type) {
        return new Ioctl(name, encode(READ, KVMIO, nr, type.byteSize()));
    }

    /** _IOW(KVMIO, nr, type): the kernel reads a {@code type}. */
    public static Ioctl iow(String name, int nr, MemoryLayout type) {
        return new Ioctl(name, encode(WRITE, KVMIO, nr, type.byteSize()));
    }

    /** _IOWR(KVMIO, nr, type) */
    public static Ioctl iowr(String name, int nr, MemoryLayout type) {
        return new Ioctl(name, encode(READ | WRITE, KVMIO, nr, type.byteSize()));
    }

    @Override
    public String toString() {
        return name + " (0x" + Long.toHexString(number) + ")";
    }
}
