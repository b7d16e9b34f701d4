package vmm.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One network attachment of one device: frames the guest sends go to {@link #transmit}, frames
 * for the guest go to the {@link FrameSink} given to {@link #attach}. Thread-safe: a device may
 * transmit from several queue threads.
 */
public interface NetworkBackend extends AutoCloseable {

    /**
     * Sends one Ethernet frame from the guest (destination MAC first, no FCS, no virtio header).
     * The buffer is only valid during the call.
     *
     * @throws IOException when the frame cannot be sent (the device counts it as dropped)
     */
    void transmit(ByteBuffer frame) throws IOException;

    /** Where frames for the guest go from now on; null detaches (frames are then dropped). */
    void attach(FrameSink sink);

    /** Releases the attachment (threads, files, sockets). */
    @Override
    void close() throws IOException;
}
