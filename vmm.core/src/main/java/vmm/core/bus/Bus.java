package vmm.core.bus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;

/**
 * An address space devices claim ranges of: the x86 I/O port space ({@link #pio()}, 64 Ki
 * ports) or the guest-physical MMIO space ({@link #mmio()}, 64-bit, addresses compared
 * unsigned). A vCPU exit on an access becomes {@link #read} or {@link #write} here, which
 * finds the device and calls it with the offset into its range.
 *
 * <p>Accesses nobody claimed behave like a PC's floating bus: reads return all-ones, writes
 * are dropped, and both are logged at debug level, rate-limited. An access that starts inside
 * a range but runs past its end is treated the same way (no device sees half an access).
 *
 * <p>Thread-safe: lookups read an immutable sorted array (a binary search, no lock), and
 * {@link #insert}/{@link #remove} publish a new array, so devices can be hot-plugged and
 * unplugged while vCPUs run.
 */
public final class Bus {
    private static final Logger LOG = LoggerFactory.getLogger(Bus.class);
    private static final long PORT_SPACE = 0x1_0000L;

    private final String name;
    /** One past the highest address, or 0 for the whole unsigned 64-bit space. */
    private final long limit;
    private final UnclaimedAccessLog unclaimed;
    private volatile BusRange[] ranges = new BusRange[0];

    private Bus(String name, long limit) {
        this.name = name;
        this.limit = limit;
        this.unclaimed = new UnclaimedAccessLog(LOG, name);
    }

    /** The I/O port space, ports 0 to 0xFFFF. */
    public static Bus pio() {
        return new Bus("pio", PORT_SPACE);
    }

    /** The memory-mapped I/O space, the whole 64-bit guest-physical range. */
    public static Bus mmio() {
        return new Bus("mmio", 0);
    }

    public String name() {
        return name;
    }

    /**
     * Claims {@code length} addresses from {@code base} for {@code device}, named by
     * {@link BusDevice#name()} in logs.
     *
     * @param device the device that serves the range
     * @param base   the first address (port or guest-physical address)
     * @param length how many addresses, at least 1
     * @throws BusConflictException     when the range overlaps a claimed one
     * @throws IllegalArgumentException when the range is empty or leaves the address space
     */
    public void insert(BusDevice device, long base, long length) {
        insert(device.name(), device, base, length);
    }

    /**
     * Claims {@code length} addresses from {@code base} for {@code device}, called {@code name}
     * in logs (so two instances of one model, such as COM1 and COM2, are told apart).
     *
     * @param name   what logs and conflict errors call this claim
     * @param device the device that serves the range
     * @param base   the first address (port or guest-physical address)
     * @param length how many addresses, at least 1
     * @throws BusConflictException     when the range overlaps a claimed one
     * @throws IllegalArgumentException when the range is empty or leaves the address space
     */
    public synchronized void insert(String name, BusDevice device, long base, long length) {
        Objects.requireNonNull(device, "device");
        BusRange requested = new BusRange(base, length, Objects.requireNonNull(name, "name"), device);
        if (length == 0 || (limit != 0 && length < 0)) {
            throw new IllegalArgumentException(this.name + ": empty range for " + requested.name());
        }
        boolean fits = limit == 0
                ? Long.compareUnsigned(requested.last(), base) >= 0
                : base >= 0 && base < limit && length <= limit - base;
        if (!fits) {
            throw new IllegalArgumentException(this.name + ": " + requested + " leaves the address space");
        }
        BusRange[] current = ranges;
        for (BusRange existing : current) {
            if (existing.overlaps(base, length)) {
                throw new BusConflictException(this.name, requested, existing);
            }
        }
        BusRange[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = requested;
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.base(), b.base()));
        ranges = next;
        LOG.debug("{}: claimed {}", this.name, requested);
    }

    /**
     * Releases every range {@code device} claimed (hot-unplug). Accesses already dispatched
     * to it may still complete; later ones see an unclaimed range.
     *
     * @return whether the device had any range here
     */
    public synchronized boolean remove(BusDevice device) {
        BusRange[] current = ranges;
        BusRange[] next = Arrays.stream(current).filter(r -> r.device() != device).toArray(BusRange[]::new);
        if (next.length == current.length) {
            return false;
        }
        ranges = next;
        LOG.debug("{}: released the ranges of {}", name, device.name());
        return true;
    }

    /**
     * Releases the one range of {@code device} that starts at {@code base} (a PCI BAR that
     * moves), leaving its other ranges claimed.
     *
     * @return whether there was such a range
     */
    public synchronized boolean remove(BusDevice device, long base) {
        BusRange[] current = ranges;
        BusRange[] next = Arrays.stream(current).filter(r -> r.device() != device || r.base() != base)
                .toArray(BusRange[]::new);
        if (next.length == current.length) {
            return false;
        }
        ranges = next;
        LOG.debug("{}: released {} at 0x{}", name, device.name(), Long.toHexString(base));
        return true;
    }

    /** The claimed ranges in address order. */
    public List<BusRange> ranges() {
        return List.of(ranges);
    }

    /** The range holding {@code address}, or null. */
    public BusRange find(long address) {
        BusRange[] table = ranges;
        int low = 0;
        int high = table.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            BusRange r = table[mid];
            if (Long.compareUnsigned(address, r.base()) < 0) {
                high = mid - 1;
            } else if (Long.compareUnsigned(address - r.base(), r.length()) >= 0) {
                low = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    /**
     * A guest read of {@code data.length} bytes at {@code address}.
     *
     * @return whether a device served it; if not, {@code data} is all-ones
     */
    public boolean read(long address, byte[] data) {
        BusRange r = find(address);
        if (r == null || !r.containsAccess(address, data.length)) {
            Arrays.fill(data, (byte) 0xff);
            unclaimed.record("read", address, data.length);
            return false;
        }
        r.device().read(address - r.base(), data);
        return true;
    }

    /**
     * A guest write of {@code data} at {@code address}.
     *
     * @return whether a device took it; if not, it was dropped
     */
    public boolean write(long address, byte[] data) {
        BusRange r = find(address);
        if (r == null || !r.containsAccess(address, data.length)) {
            unclaimed.record("write", address, data.length);
            return false;
        }
        r.device().write(address - r.base(), data);
        return true;
    }

    /** How many accesses found no device, for statistics and tests. */
    public long unclaimedAccesses() {
        return unclaimed.total();
    }

    @Override
    public String toString() {
        List<String> claims = new ArrayList<>();
        for (BusRange r : ranges) {
            claims.add(r.toString());
        }
        return name + " bus " + claims;
    }
}
