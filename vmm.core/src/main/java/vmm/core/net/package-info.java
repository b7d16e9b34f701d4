/**
 * Network backend SPI: where a network device model (virtio-net, an emulated NIC) sends the
 * Ethernet frames the guest transmits and gets the frames the guest receives. A network mode
 * (bridge, NAT, a test loopback) is a bundle registering a {@link vmm.core.net.NetworkBackendType}
 * with {@code vmm.net.backend=<name>}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package vmm.core.net;
