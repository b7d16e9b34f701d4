package vmm.core.internal.acpi;

import java.io.ByteArrayOutputStream;

/**
 * ACPI resource descriptors (ACPI 6.x, 6.4) for a ResourceTemplate: what {@code _CRS} of the
 * PCI root bridge returns. {@link #build()} appends the end tag.
 */
final class Resources {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A fixed 16-bit-decoded I/O range (small descriptor 0x47). */
    Resources io(int min, int max, int alignment, int length) {
        out.write(0x47);
        out.write(0x01); // decodes 16 bits
        le(min, 2);
        le(max, 2);
        out.write(alignment);
        out.write(length);
        return this;
    }

    /** WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, count). */
    /** An IRQ descriptor (edge-triggered, active-high, exclusive) for one ISA IRQ. */
    Resources irq(int irq) {
        out.write(0x22);
        le(1 << irq, 2);
        return this;
    }

    Resources busNumbers(int min, int max) {
        return wordSpace(2, 0, min, max);
    }

    /** WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, length). */
    Resources ioWindow(int min, int max) {
        return wordSpace(1, 3, min, max);
    }

    private Resources wordSpace(int type, int typeFlags, int min, int max) {
        out.write(0x88);
        le(13, 2);
        out.write(type);
        out.write(0x0c); // producer, positive decode, min and max fixed
        out.write(typeFlags);
        le(0, 2); // granularity
        le(min, 2);
        le(max, 2);
        le(0, 2); // translation
        le(max - min + 1, 2);
        return this;
    }

    /** DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, cacheable?, ReadWrite, 0, min, max, 0, length). */
    Resources memoryWindow(long min, long max, boolean cacheable) {
        out.write(0x87);
        le(23, 2);
        out.write(0); // memory
        out.write(0x0c);
        out.write(0x01 | (cacheable ? 0x02 : 0)); // read-write, cacheable or not
        le(0, 4);
        le(min, 4);
        le(max, 4);
        le(0, 4);
        le(max - min + 1, 4);
        return this;
    }

    byte[] build() {
        ByteArrayOutputStream done = new ByteArrayOutputStream();
        done.writeBytes(out.toByteArray());
        done.write(0x79); // end tag
        done.write(0x00); // checksum 0: "treat as correct"
        return done.toByteArray();
    }

    private void le(long value, int size) {
        for (int i = 0; i < size; i++) {
            out.write((int) (value >>> (8 * i)));
        }
    }
}
