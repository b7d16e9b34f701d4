package vmm.core.device;

import java.util.Map;

/**
 * A kind of device a plugin bundle offers, found by name when a domain definition asks for
 * it. Register an implementation as an OSGi service with the service property
 * {@value #PROPERTY}{@code =<name>} (the same string {@link #name()} returns); with Declarative
 * Services that is {@code @Component(property = DeviceType.PROPERTY + "=my-device")}.
 */
public interface DeviceType {

    /** The service property that carries the device type's name. */
    String PROPERTY = "vmm.device.type";

    /** The name domain definitions use, e.g. {@code serial-16550} or {@code virtio-blk}. */
    String name();

    /**
     * A new device instance for one machine.
     *
     * @param ctx    the machine's memory, interrupts and the instance name
     * @param config the device's settings from the domain definition (string keys and values,
     *               as in QEMU's {@code -device name,key=value})
     * @throws IllegalArgumentException naming the setting when {@code config} is invalid
     */
    BusDevice create(DeviceContext ctx, Map<String, String> config);
}
