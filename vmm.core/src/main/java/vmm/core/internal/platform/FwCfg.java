package vmm.core.internal.platform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;

/**
 * QEMU's firmware configuration device, traditional (port) interface only: claim
 * {@link #BASE_PORT} 0x510 with {@link #PORTS} 2. A 16-bit write to the selector (offset 0)
 * picks an item and rewinds it; byte reads from the data port (offset 1) return its bytes in
 * order, then zeros. Unknown items read as zeros, as in QEMU.
 *
 * <p>Items: 0x00 the signature "QEMU", 0x01 the interface ID (1: traditional interface),
 * 0x03 the RAM size (u64), 0x05 and 0x0f the CPU count (u16), 0x19 the file directory
 * (big-endian count, then size, select and a 56-byte name per file) with the files added by
 * {@link #addFile}, from selector 0x20. kvm-unit-tests read the CPU count and RAM size here.
 */
public final class FwCfg implements BusDevice {
    public static final String TYPE = "fw-cfg";
    public static final int BASE_PORT = 0x510;
    public static final int PORTS = 2;

    public static final int SIGNATURE = 0x00;
    public static final int ID = 0x01;
    public static final int RAM_SIZE = 0x03;
    public static final int NB_CPUS = 0x05;
    public static final int MAX_CPUS = 0x0f;
    public static final int FILE_DIR = 0x19;
    public static final int FILE_FIRST = 0x20;
    private static final int FILE_NAME_SIZE = 56;

    private final Map<Integer, byte[]> items = new LinkedHashMap<>();
    private final Map<String, Integer> files = new LinkedHashMap<>();
    private int selector;
    private int position;

    public FwCfg(long ramSize, int cpus) {
        items.put(SIGNATURE, "QEMU".getBytes(StandardCharsets.US_ASCII));
        items.put(ID, le(1, 4));
        items.put(RAM_SIZE, le(ramSize, 8));
        items.put(NB_CPUS, le(cpus, 2));
        items.put(MAX_CPUS, le(cpus, 2));
        rebuildDirectory();
    }

    private static byte[] le(long value, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    /** Adds (or replaces) a named file, e.g. {@code etc/e820}; returns its selector. */
    public synchronized int addFile(String name, byte[] contents) {
        byte[] encoded = name.getBytes(StandardCharsets.UTF_8);
        if (encoded.length == 0 || encoded.length >= FILE_NAME_SIZE) {
            throw new IllegalArgumentException("fw_cfg file name must be 1-55 bytes: " + name);
        }
        Integer key = files.get(name);
        if (key == null) {
            key = FILE_FIRST + files.size();
            files.put(name, key);
        }
        items.put(key, contents.clone());
        rebuildDirectory();
        return key;
    }

    private void rebuildDirectory() {
        ByteBuffer dir = ByteBuffer.allocate(4 + files.size() * 64).order(ByteOrder.BIG_ENDIAN);
        dir.putInt(files.size());
        for (Map.Entry<String, Integer> f : files.entrySet()) {
            dir.putInt(items.get(f.getValue()).length).putShort((short) (int) f.getValue()).putShort((short) 0);
            dir.put(Arrays.copyOf(f.getKey().getBytes(StandardCharsets.UTF_8), FILE_NAME_SIZE));
        }
        items.put(FILE_DIR, dir.array());
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        if (offset == 0) {
            Arrays.fill(data, (byte) 0);
            data[0] = (byte) selector;
            if (data.length > 1) {
                data[1] = (byte) (selector >>> 8);
            }
            return;
        }
        byte[] item = items.get(selector & 0xbfff); // bit 14 is the write flag; bit 15 selects the (empty) x86 key set
        for (int i = 0; i < data.length; i++) {
            data[i] = item != null && position < item.length ? item[position] : 0;
            position++;
        }
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        if (offset == 0) {
            selector = (data[0] & 0xff) | (data.length > 1 ? (data[1] & 0xff) << 8 : 0);
            position = 0;
        }
        // Data-port writes (the write interface QEMU 2.4 removed) are ignored.
    }

    @Override
    public synchronized void reset() {
        selector = 0;
        position = 0;
    }

    @Override
    public synchronized DeviceState saveState() {
        return new DeviceState(TYPE, 1, ByteBuffer.allocate(8).putInt(selector).putInt(position).array());
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, 1).data();
        if (data.length != 8) {
            throw new IllegalArgumentException(TYPE + " state is 8 bytes, not " + data.length);
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        selector = b.getInt() & 0xffff;
        position = Math.max(0, b.getInt());
    }

    @Override
    public String name() {
        return "fw-cfg";
    }
}
