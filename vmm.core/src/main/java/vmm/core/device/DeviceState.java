package vmm.core.device;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A device's saved state in a self-describing form: which device type wrote it, in which
 * version of its layout, and the bytes. A device bumps {@code version} when it changes what
 * it writes and keeps reading the older versions it knows, so a snapshot taken by an older
 * plugin still restores.
 *
 * <p>{@link #toBytes()} and {@link #fromBytes(byte[])} give the form stored in snapshot files:
 * the magic {@code VMDS}, the type name (modified UTF-8), the version, the data length and
 * the data, big-endian.
 *
 * @param type    the device type's name, e.g. {@code serial-16550}
 * @param version the layout version of {@code data}, from 1
 * @param data    the device's own encoding of its state
 */
public record DeviceState(String type, int version, byte[] data) {
    private static final int MAGIC = 0x564d4453; // "VMDS"

    public DeviceState {
        Objects.requireNonNull(type, "type");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("device state without a type name");
        }
        if (version < 1) {
            throw new IllegalArgumentException("device state version must be >= 1: " + version);
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * Checks that this state was written by device type {@code expectedType} in a version no
     * newer than {@code newestKnown}; devices call it first in {@code restoreState}.
     *
     * @throws IllegalArgumentException naming what was found and what was expected
     */
    public DeviceState require(String expectedType, int newestKnown) {
        if (!type.equals(expectedType)) {
            throw new IllegalArgumentException("state of device type " + type + " given to " + expectedType);
        }
        if (version > newestKnown) {
            throw new IllegalArgumentException(type + " state version " + version
                    + " is newer than the newest this device reads (" + newestKnown + ")");
        }
        return this;
    }

    /** The stored form: magic, type, version, length, data. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length + type.length() + 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeUTF(type);
            out.writeInt(version);
            out.writeInt(data.length);
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads the stored form back.
     *
     * @throws IllegalArgumentException when the bytes are not a device state (bad magic,
     *                                  truncated, trailing bytes)
     */
    public static DeviceState fromBytes(byte[] stored) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(stored))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not a device state: magic 0x" + Integer.toHexString(magic));
            }
            String type = in.readUTF();
            int version = in.readInt();
            int length = in.readInt();
            if (length < 0 || length != in.available()) {
                throw new IllegalArgumentException("device state " + type + ": data length " + length
                        + " but " + in.available() + " bytes follow");
            }
            return new DeviceState(type, version, in.readNBytes(length));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated device state (" + stored.length + " bytes)", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceState s && s.type.equals(type) && s.version == version && Arrays.equals(s.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, version, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "DeviceState[" + type + " v" + version + ", " + data.length + " bytes]";
    }
}
