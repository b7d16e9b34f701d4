package vmm.dev.virtio.device;

import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.queue.Virtqueue;

/** What the transport gives a started device. */
public interface DeviceHost {

    /** The guest's RAM. */
    GuestMemory memory();

    /** The feature bits the driver accepted. */
    long features();

    /** Queue {@code index} when the driver has set it up and it runs, else null. */
    Virtqueue queue(int index);

    /** The driver broke a rule: the device stops and asks for a reset (NEEDS_RESET). */
    void needsReset(String reason);

    /** The configuration space changed (a configuration-change interrupt). */
    void configChanged();
}
