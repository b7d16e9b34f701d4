package vmm.dev.virtio.vhost;

import java.io.IOException;

/** The frontend sent something the protocol does not allow; the connection is dropped. */
public final class VhostUserProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public VhostUserProtocolException(String message) {
        super(message);
    }
}
