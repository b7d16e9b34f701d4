package vmm.core.net;

import java.nio.ByteBuffer;

/**
 * Where a backend delivers frames for the guest: the device model copies the frame into a
 * receive buffer of the guest. Called from the backend's own thread.
 */
@FunctionalInterface
public interface FrameSink {

    /**
     * Hands one Ethernet frame (destination MAC first, no FCS) to the guest.
     *
     * @return false when the guest has no receive buffer posted and the frame was dropped, as a
     *         real NIC drops it; the backend may retry or count it
     */
    boolean deliver(ByteBuffer frame);
}
