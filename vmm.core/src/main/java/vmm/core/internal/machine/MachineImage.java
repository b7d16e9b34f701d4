package vmm.core.internal.machine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

import vmm.core.device.DeviceState;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * A paused machine as a byte stream (what {@code virsh save} writes after its own header):
 *
 * <pre>
 * "VMMSTATE" version(int)
 * section CONF: RAM bytes, vCPUs, accelerator, the PCI device types in slot order
 * section VCPU: one per vCPU, {@link VcpuStateCodec}
 * section DEVS: each device's name and {@link DeviceState#toBytes()}
 * "RAM " then (guest address, 4096 bytes) for every page that is not all zeros, ascending, ended by -1
 * "END " CRC-32 of every byte before it
 * </pre>
 *
 * All big-endian. Sections carry their length, so a reader names the section a file breaks
 * in; the CRC catches flipped bits anywhere. RAM streams page by page: a save never holds a
 * second copy of guest memory, and pages of zeros cost nothing (a fresh guest is mostly zeros).
 */
final class MachineImage {
    /** 2 added the debug registers and in-flight events to each vCPU; version 1 still reads. */
    static final int VERSION = 2;
    private static final int OLDEST_VERSION = 1;
    private static final byte[] MAGIC = "VMMSTATE".getBytes(StandardCharsets.US_ASCII);
    private static final int CONF = tag("CONF"), VCPU = tag("VCPU"), DEVS = tag("DEVS"), RAM = tag("RAM "),
            END = tag("END ");
    private static final int PAGE = 4096;
    /** Sections other than RAM are small; a larger length is corruption, not a big device. */
    private static final int MAX_SECTION = 64 << 20;

    /** What the image was taken of; a restore needs a machine made the same way. */
    record Header(long memoryBytes, int cpus, String accelerator, List<String> devices) {
        Header {
            devices = List.copyOf(devices);
        }

        /** Empty when {@code other} matches, else what differs. */
        String mismatch(Header other) {
            if (memoryBytes != other.memoryBytes) {
                return "it has " + (memoryBytes >> 20) + " MiB of RAM, this machine " + (other.memoryBytes >> 20) + " MiB";
            }
            if (cpus != other.cpus) {
                return "it has " + cpus + " vCPU(s), this machine " + other.cpus;
            }
            if (!accelerator.equals(other.accelerator)) {
                return "it was taken on accelerator " + accelerator + ", this machine runs on " + other.accelerator;
            }
            if (!devices.equals(other.devices)) {
                return "its devices are " + devices + ", this machine's " + other.devices;
            }
            return "";
        }
    }

    /** The small parts of an image: everything but RAM. */
    record Contents(Header header, List<VcpuState> vcpus, Map<String, DeviceState> devices) {
    }

    private MachineImage() {
    }

    private static int tag(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
    }

    private static String tagName(int t) {
        byte[] b = {(byte) (t >>> 24), (byte) (t >>> 16), (byte) (t >>> 8), (byte) t};
        for (byte c : b) {
            if (c < 0x20 || c > 0x7e) {
                return String.format("0x%08x", t);
            }
        }
        return "'" + new String(b, StandardCharsets.US_ASCII) + "'";
    }

    // ---- writing

    static void write(OutputStream target, Contents c, GuestMemory memory) throws IOException {
        CRC32 crc = new CRC32();
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(target, crc), 1 << 16));
        out.write(MAGIC);
        out.writeInt(VERSION);
        section(out, CONF, conf(c.header()));
        for (VcpuState s : c.vcpus()) {
            section(out, VCPU, VcpuStateCodec.encode(s));
        }
        section(out, DEVS, devices(c.devices()));
        out.writeInt(RAM);
        writeRam(out, memory);
        out.writeInt(END);
        out.flush();
        out.writeInt((int) crc.getValue());
        out.flush();
    }

    private static void section(DataOutputStream out, int tag, byte[] data) throws IOException {
        out.writeInt(tag);
        out.writeInt(data.length);
        out.write(data);
    }

    private static byte[] conf(Header h) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(h.memoryBytes());
            out.writeInt(h.cpus());
            out.writeUTF(h.accelerator());
            out.writeInt(h.devices().size());
            for (String d : h.devices()) {
                out.writeUTF(d);
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] devices(Map<String, DeviceState> states) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(states.size());
            for (Map.Entry<String, DeviceState> e : states.entrySet()) {
                out.writeUTF(e.getKey());
                byte[] stored = e.getValue().toBytes();
                out.writeInt(stored.length);
                out.write(stored);
            }
        }
        return bytes.toByteArray();
    }

    private static void writeRam(DataOutputStream out, GuestMemory memory) throws IOException {
        MemorySegment zero = MemorySegment.ofArray(new byte[PAGE]);
        byte[] buffer = new byte[PAGE];
        MemorySegment heap = MemorySegment.ofArray(buffer);
        for (MemoryRegion r : memory.regions()) {
            for (long gpa = r.guestAddress(); gpa < r.end(); gpa += PAGE) {
                int n = (int) Math.min(PAGE, r.end() - gpa);
                MemorySegment page = memory.slice(gpa, n);
                if (MemorySegment.mismatch(page, 0, n, zero, 0, n) < 0) {
                    continue;
                }
                java.util.Arrays.fill(buffer, (byte) 0);
                MemorySegment.copy(page, 0, heap, 0, n);
                out.writeLong(gpa);
                out.write(buffer);
            }
        }
        out.writeLong(-1);
    }

    // ---- reading

    /**
     * Reads an image into {@code memory} (every page: those the image lacks become zeros) and
     * returns the rest, checked against {@code expected} before RAM is touched.
     *
     * @throws IllegalArgumentException naming what is wrong: not an image, another version, a
     *                                  machine made differently, truncated, corrupt
     * @throws IOException              when reading fails
     */
    static Contents read(InputStream source, Header expected, GuestMemory memory) throws IOException {
        CRC32 crc = new CRC32();
        DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(source, 1 << 16), crc));
        String where = "the header";
        try {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException("not a machine state (it does not start with VMMSTATE)");
            }
            int version = in.readInt();
            if (version < OLDEST_VERSION || version > VERSION) {
                throw new IllegalArgumentException("machine state version " + version + "; this VMM reads versions "
                        + OLDEST_VERSION + " to " + VERSION);
            }
            where = "section CONF";
            Header header = header(section(in, CONF));
            String mismatch = header.mismatch(expected);
            if (!mismatch.isEmpty()) {
                throw new IllegalArgumentException("the state is of another machine: " + mismatch);
            }
            List<VcpuState> vcpus = new ArrayList<>();
            for (int i = 0; i < header.cpus(); i++) {
                where = "section VCPU " + i;
                try {
                    vcpus.add(VcpuStateCodec.decode(section(in, VCPU), version));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("vCPU " + i + ": " + e.getMessage(), e);
                }
            }
            where = "section DEVS";
            Map<String, DeviceState> devices = devices(section(in, DEVS));
            where = "section RAM";
            expectTag(in, RAM);
            readRam(in, memory);
            where = "the end marker";
            expectTag(in, END);
            int computed = (int) crc.getValue();
            int stored = in.readInt();
            if (stored != computed) {
                throw new IllegalArgumentException(String.format(
                        "machine state is corrupt: checksum 0x%08x, the file says 0x%08x", computed, stored));
            }
            return new Contents(header, vcpus, devices);
        } catch (EOFException e) {
            throw new IllegalArgumentException("machine state is truncated (it ends in " + where + ")", e);
        }
    }

    private static void expectTag(DataInputStream in, int tag) throws IOException {
        int found = in.readInt();
        if (found != tag) {
            throw new IllegalArgumentException("machine state is corrupt: section " + tagName(found) + " where "
                    + tagName(tag) + " belongs");
        }
    }

    private static byte[] section(DataInputStream in, int tag) throws IOException {
        expectTag(in, tag);
        int length = in.readInt();
        if (length < 0 || length > MAX_SECTION) {
            throw new IllegalArgumentException("machine state is corrupt: section " + tagName(tag) + " of " + length
                    + " bytes");
        }
        byte[] data = new byte[length];
        in.readFully(data);
        return data;
    }

    private static Header header(byte[] data) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            long memory = in.readLong();
            int cpus = in.readInt();
            String accelerator = in.readUTF();
            int count = in.readInt();
            if (count < 0 || count > 32) {
                throw new IllegalArgumentException("machine state is corrupt: " + count + " PCI devices");
            }
            List<String> devices = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                devices.add(in.readUTF());
            }
            return new Header(memory, cpus, accelerator, devices);
        } catch (IOException e) {
            throw new IllegalArgumentException("machine state is corrupt: section 'CONF' is short", e);
        }
    }

    private static Map<String, DeviceState> devices(byte[] data) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            int count = in.readInt();
            if (count < 0 || count > 1024) {
                throw new IllegalArgumentException("machine state is corrupt: " + count + " device states");
            }
            Map<String, DeviceState> out = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IllegalArgumentException("machine state is corrupt: device " + name + "'s state of "
                            + length + " bytes");
                }
                try {
                    out.put(name, DeviceState.fromBytes(in.readNBytes(length)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("device " + name + ": " + e.getMessage(), e);
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("machine state is corrupt: section 'DEVS' is short", e);
        }
    }

    private static void readRam(DataInputStream in, GuestMemory memory) throws IOException {
        List<MemoryRegion> regions = memory.regions();
        long top = regions.isEmpty() ? 0 : regions.get(regions.size() - 1).end();
        BitSet written = new BitSet((int) Math.min(Integer.MAX_VALUE, (top + PAGE - 1) / PAGE));
        byte[] buffer = new byte[PAGE];
        long last = -1;
        while (true) {
            long gpa = in.readLong();
            if (gpa == -1) {
                break;
            }
            if (gpa <= last || (gpa & (PAGE - 1)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "machine state is corrupt: RAM page at 0x%x after 0x%x", gpa, last));
            }
            MemoryRegion region = regions.stream().filter(r -> r.contains(gpa, 1)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(String.format(
                            "machine state is corrupt: RAM page at 0x%x is outside this machine's RAM", gpa)));
            in.readFully(buffer);
            int n = (int) Math.min(PAGE, region.end() - gpa);
            MemorySegment.copy(MemorySegment.ofArray(buffer), 0, memory.slice(gpa, n), 0, n);
            written.set((int) (gpa / PAGE));
            last = gpa;
        }
        // Pages the image does not list were zeros; the fresh machine may have loaded a kernel there.
        MemorySegment zero = MemorySegment.ofArray(new byte[PAGE]);
        for (MemoryRegion r : regions) {
            for (long gpa = r.guestAddress(); gpa < r.end(); gpa += PAGE) {
                if (written.get((int) (gpa / PAGE))) {
                    continue;
                }
                int n = (int) Math.min(PAGE, r.end() - gpa);
                MemorySegment page = memory.slice(gpa, n);
                if (MemorySegment.mismatch(page, 0, n, zero, 0, n) >= 0) {
                    page.fill((byte) 0);
                }
            }
        }
    }
}
