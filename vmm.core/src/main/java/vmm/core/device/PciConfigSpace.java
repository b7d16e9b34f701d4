package vmm.core.device;

/**
 * A type-0 PCI configuration space (256 bytes) with the behaviour guests rely on: read-only
 * identification registers, a writable command register and interrupt line, and Base
 * Address Registers that report their size the standard way (the guest writes all-ones, reads
 * back {@code ~(size - 1)} plus the type bits, and so learns the size to allocate).
 *
 * <p>Build it, then declare the BARs and capabilities:
 * <pre>{@code
 * PciConfigSpace cs = new PciConfigSpace(0x1af4, 0x1042, 0x010000, 1);
 * cs.setSubsystem(0x1af4, 0x1100);
 * cs.setInterruptPin(1);                       // INTA#
 * cs.addMemoryBar(0, 0x4000, true, true);      // 16 KiB, 64-bit, prefetchable: BAR0+BAR1
 * }</pre>
 * Thread-safe: every access is synchronized on the instance.
 */
public final class PciConfigSpace {
    public static final int SIZE = 256;

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG_IF = 0x09;
    public static final int HEADER_TYPE = 0x0e;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int SUBSYSTEM_ID = 0x2e;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    public static final int INTERRUPT_PIN = 0x3d;

    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_BUS_MASTER = 0x4;
    public static final int COMMAND_INTX_DISABLE = 0x400;
    public static final int STATUS_CAPABILITIES = 0x10;

    private static final int BAR_COUNT = 6;
    private static final int BAR_IO = 0x1;
    private static final int BAR_MEM_64 = 0x4;
    private static final int BAR_PREFETCH = 0x8;
    private static final int FIRST_CAPABILITY = 0x40;

    private final byte[] bytes = new byte[SIZE];
    /** Bits the guest may change; everything else reads back as the device set it. */
    private final byte[] writable = new byte[SIZE];
    private final long[] barSizes = new long[BAR_COUNT];
    private byte[] powerOn;
    private int nextCapability = FIRST_CAPABILITY;
    private int lastCapability;

    /**
     * @param vendorId  PCI vendor ID
     * @param deviceId  device ID
     * @param classCode 24 bits: base class, subclass, programming interface (0x060000 is a
     *                  host bridge, 0x010180 an ISA-compatible IDE controller)
     * @param revision  revision ID
     */
    public PciConfigSpace(int vendorId, int deviceId, int classCode, int revision) {
        put(VENDOR_ID, 2, vendorId);
        put(DEVICE_ID, 2, deviceId);
        put(REVISION_ID, 1, revision);
        put(CLASS_PROG_IF, 3, classCode);
        setWritable(COMMAND, 2, COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER | COMMAND_INTX_DISABLE);
        setWritable(INTERRUPT_LINE, 1, 0xff);
        setWritable(0x0c, 1, 0xff); // cache line size: guests write it, nothing reads it
        setWritable(0x0d, 1, 0xff); // latency timer, likewise
        powerOn = bytes.clone();
    }

    public synchronized void setSubsystem(int vendorId, int id) {
        put(SUBSYSTEM_VENDOR_ID, 2, vendorId);
        put(SUBSYSTEM_ID, 2, id);
        powerOn = bytes.clone();
    }

    /** 0 for none, 1-4 for INTA#-INTD#. */
    public synchronized void setInterruptPin(int pin) {
        if (pin < 0 || pin > 4) {
            throw new IllegalArgumentException("interrupt pin must be 0-4: " + pin);
        }
        put(INTERRUPT_PIN, 1, pin);
        powerOn = bytes.clone();
    }

    /** Bit 7 marks a multi-function device; function 0 of one sets it. */
    public synchronized void setHeaderType(int headerType) {
        put(HEADER_TYPE, 1, headerType);
        powerOn = bytes.clone();
    }

    /**
     * Declares memory BAR {@code index} of {@code size} bytes (a power of two, at least 16).
     * A 64-bit BAR also takes index + 1 for the upper half.
     */
    public synchronized void addMemoryBar(int index, long size, boolean prefetchable, boolean is64Bit) {
        checkBar(index, size, 16);
        if (is64Bit && index == BAR_COUNT - 1) {
            throw new IllegalArgumentException("64-bit BAR " + index + " has no room for its upper half");
        }
        if (!is64Bit && size > 0x8000_0000L) {
            throw new IllegalArgumentException("32-bit BAR " + index + " cannot hold " + size + " bytes");
        }
        int flags = (prefetchable ? BAR_PREFETCH : 0) | (is64Bit ? BAR_MEM_64 : 0);
        barSizes[index] = size;
        put(BAR0 + 4 * index, 4, flags);
        setWritable(BAR0 + 4 * index, 4, (int) ~(size - 1) & ~0xf);
        if (is64Bit) {
            checkBar(index + 1, 0, 0);
            barSizes[index + 1] = -1; // marks the upper half
            setWritable(BAR0 + 4 * (index + 1), 4, (int) (~(size - 1) >>> 32));
        }
        powerOn = bytes.clone();
    }

    /** Declares I/O BAR {@code index} of {@code size} ports (a power of two, 4 to 256). */
    public synchronized void addIoBar(int index, int size) {
        checkBar(index, size, 4);
        if (size > 256) {
            throw new IllegalArgumentException("I/O BAR " + index + " larger than 256 ports: " + size);
        }
        barSizes[index] = size;
        put(BAR0 + 4 * index, 4, BAR_IO);
        setWritable(BAR0 + 4 * index, 4, ~(size - 1) & 0xffff & ~0x3);
        powerOn = bytes.clone();
    }

    /**
     * Appends a capability to the capability list: {@code body} starts with the capability ID
     * and a placeholder for the next pointer (both overwritten), {@code writableMask} (same
     * length, or null) says which bits the guest may change (MSI-X's enable bits, say).
     *
     * @return the capability's offset in configuration space
     */
    public synchronized int addCapability(int id, byte[] body, byte[] writableMask) {
        if (body.length < 2 || (writableMask != null && writableMask.length != body.length)) {
            throw new IllegalArgumentException("capability " + id + ": body of " + body.length
                    + " bytes, mask of " + (writableMask == null ? 0 : writableMask.length));
        }
        int offset = nextCapability;
        if (offset + body.length > SIZE) {
            throw new IllegalArgumentException("capability " + id + " (" + body.length
                    + " bytes) does not fit in configuration space");
        }
        System.arraycopy(body, 0, bytes, offset, body.length);
        bytes[offset] = (byte) id;
        bytes[offset + 1] = 0;
        if (writableMask != null) {
            System.arraycopy(writableMask, 0, writable, offset, body.length);
            writable[offset] = 0;
            writable[offset + 1] = 0;
        }
        if (lastCapability == 0) {
            put(CAPABILITIES_POINTER, 1, offset);
            put(STATUS, 2, get(STATUS, 2) | STATUS_CAPABILITIES);
        } else {
            bytes[lastCapability + 1] = (byte) offset;
        }
        lastCapability = offset;
        nextCapability = (offset + body.length + 3) & ~3;
        powerOn = bytes.clone();
        return offset;
    }

    /** {@code size} bytes (1, 2 or 4) at {@code offset}; bytes past the end read as 0xff. */
    public synchronized int read(int offset, int size) {
        checkAccess(offset, size);
        int value = 0;
        for (int i = 0; i < size; i++) {
            int b = offset + i < SIZE ? bytes[offset + i] & 0xff : 0xff;
            value |= b << (8 * i);
        }
        return value;
    }

    /** Writes the low {@code size} bytes of {@code value}; only writable bits change. */
    public synchronized void write(int offset, int size, int value) {
        checkAccess(offset, size);
        for (int i = 0; i < size && offset + i < SIZE; i++) {
            int at = offset + i;
            int mask = writable[at] & 0xff;
            int b = (value >>> (8 * i)) & 0xff;
            bytes[at] = (byte) ((bytes[at] & ~mask) | (b & mask));
        }
    }

    /**
     * The address BAR {@code index} was programmed with (type bits removed; both halves of a
     * 64-bit BAR), 0 while unassigned. Meaningless while the guest is sizing it.
     */
    public synchronized long barAddress(int index) {
        checkIndex(index);
        long size = barSizes[index];
        if (size <= 0) {
            throw new IllegalArgumentException("BAR " + index + " is not declared (or is the upper half of a 64-bit BAR)");
        }
        int low = get(BAR0 + 4 * index, 4);
        if ((low & BAR_IO) != 0) {
            return low & ~0x3 & 0xffffL;
        }
        long address = low & ~0xfL & 0xffff_ffffL;
        if ((low & BAR_MEM_64) != 0) {
            address |= (long) get(BAR0 + 4 * (index + 1), 4) << 32;
        }
        return address;
    }

    /** The size declared for BAR {@code index}, 0 when it is not declared. */
    public synchronized long barSize(int index) {
        checkIndex(index);
        return Math.max(0, barSizes[index]);
    }

    public synchronized int command() {
        return get(COMMAND, 2);
    }

    /** Back to the values set by the constructor and the declarations. */
    public synchronized void reset() {
        System.arraycopy(powerOn, 0, bytes, 0, SIZE);
    }

    /** A copy of the 256 bytes, for saving state. */
    public synchronized byte[] snapshot() {
        return bytes.clone();
    }

    /** Puts back bytes from {@link #snapshot()}. */
    public synchronized void restore(byte[] saved) {
        if (saved.length != SIZE) {
            throw new IllegalArgumentException("PCI configuration space is " + SIZE + " bytes, not " + saved.length);
        }
        System.arraycopy(saved, 0, bytes, 0, SIZE);
    }

    @Override
    public synchronized String toString() {
        return String.format("PciConfigSpace[%04x:%04x class %06x]", get(VENDOR_ID, 2), get(DEVICE_ID, 2),
                get(CLASS_PROG_IF, 3));
    }

    private void checkBar(int index, long size, long minimum) {
        checkIndex(index);
        if (barSizes[index] != 0) {
            throw new IllegalArgumentException("BAR " + index + " is already declared");
        }
        if (minimum > 0 && (size < minimum || Long.bitCount(size) != 1)) {
            throw new IllegalArgumentException("BAR " + index + " size must be a power of two >= " + minimum + ": " + size);
        }
    }

    private static void checkIndex(int index) {
        if (index < 0 || index >= BAR_COUNT) {
            throw new IllegalArgumentException("BAR index must be 0-5: " + index);
        }
    }

    private static void checkAccess(int offset, int size) {
        if (offset < 0 || offset >= SIZE || (size != 1 && size != 2 && size != 4)) {
            throw new IllegalArgumentException("config access of " + size + " bytes at 0x" + Integer.toHexString(offset));
        }
    }

    private void put(int offset, int size, int value) {
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private int get(int offset, int size) {
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= (bytes[offset + i] & 0xff) << (8 * i);
        }
        return value;
    }

    private void setWritable(int offset, int size, int mask) {
        for (int i = 0; i < size; i++) {
            writable[offset + i] = (byte) (mask >>> (8 * i));
        }
    }
}
