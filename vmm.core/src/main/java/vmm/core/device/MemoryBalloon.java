package vmm.core.device;

/**
 * What the host can ask of a memory balloon device (virtio-balloon): that the guest hand back
 * some of its RAM, which the device then returns to the host, and take it again later. The
 * guest decides how fast it follows; the figures say where it stands. Thread-safe. Since 1.2.
 *
 * <p>A device model offers this through {@link PciDevice#facet}; the machine finds it with
 * {@link vmm.core.machine.Machine#devices(Class)}.
 */
public interface MemoryBalloon {

    /**
     * Asks the guest to hold {@code bytes} (rounded down to whole pages) in the balloon; 0
     * gives everything back.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative or more than the device can ask
     */
    void setTargetBytes(long bytes);

    /** What the host asked for last. */
    long targetBytes();

    /** What the guest reports holding in the balloon now. */
    long actualBytes();

    /** Memory the device has returned to the host since it started (madvise). */
    long releasedBytes();
}
