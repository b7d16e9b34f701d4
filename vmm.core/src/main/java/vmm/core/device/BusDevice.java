package vmm.core.device;

/**
 * What every device model implements: the guest reads and writes the range of port or
 * memory addresses the device claimed on a {@code vmm.core.bus.Bus}, and the bus calls these
 * methods from the vCPU thread that exited on the access.
 *
 * <p>{@code offset} is relative to the start of the claimed range, so a device does not care
 * where the machine placed it. {@code data.length} is the access size (1, 2, 4 or 8 bytes
 * from a vCPU; other sizes from loaders and tests), little-endian as on x86. Both methods may
 * be called concurrently from several vCPU threads: a device with state synchronizes it.
 * They must not block for long: the vCPU is stopped until they return.
 */
public interface BusDevice {

    /**
     * Fills {@code data} with the bytes the guest reads at {@code offset}.
     *
     * @param offset where the access starts, from the start of the claimed range
     * @param data   as many bytes as the guest reads; fill all of them (0xff for bits that
     *               do not exist, as on a real bus)
     */
    void read(long offset, byte[] data);

    /**
     * Takes the bytes the guest writes at {@code offset}.
     *
     * @param offset where the access starts, from the start of the claimed range
     * @param data   the bytes written, little-endian; valid only during the call (the
     *               vCPU loop reuses it), so copy what you keep
     */
    void write(long offset, byte[] data);

    /**
     * Back to the power-on state, as on a machine reset. The default does nothing, which is
     * only right for a device without state.
     */
    default void reset() {
    }

    /**
     * The device's guest-visible state for a snapshot or a migration. The default refuses,
     * so a machine with a device that cannot be saved fails to snapshot instead of resuming
     * with a silently reset device.
     */
    default DeviceState saveState() {
        throw new UnsupportedOperationException(name() + " cannot save its state");
    }

    /** Takes back a state from {@link #saveState()}, of this device type and a version it reads. */
    default void restoreState(DeviceState state) {
        throw new UnsupportedOperationException(name() + " cannot restore a state");
    }

    /** A short name for logs and error messages; the bus prefers the name given on insert. */
    default String name() {
        return getClass().getSimpleName();
    }
}
