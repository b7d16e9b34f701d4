package vmm.core.net;

import java.io.IOException;
import java.util.Map;

/**
 * A kind of network attachment a plugin bundle offers, found by name when a domain definition's
 * interface asks for it. Register it as an OSGi service with {@value #PROPERTY}{@code =<name>}.
 */
public interface NetworkBackendType {

    /** The service property carrying the backend type's name. */
    String PROPERTY = "vmm.net.backend";

    /** The name domain definitions use ({@code loopback}, {@code pcap}, {@code bridge}...). */
    String name();

    /**
     * Opens one attachment.
     *
     * @param config the interface's settings from the domain definition
     * @throws IllegalArgumentException naming the setting when {@code config} is invalid
     * @throws IOException              when the host resource cannot be opened
     */
    NetworkBackend open(Map<String, String> config) throws IOException;
}
