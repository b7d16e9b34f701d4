package vmm.dev.virtio.types;

import java.util.Map;

import vmm.core.device.DeviceContext;
import vmm.core.device.IrqLine;
import vmm.core.machine.DeviceSpec;
import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.pci.VirtioPciDevice;

/** Wraps a device model in the virtio-pci transport, the form our own machines use. */
final class PciDevices {
    private PciDevices() {
    }

    /**
     * {@code irq=GSI} names the function's INTx line (without it only MSI-X interrupts);
     * {@code packed=on} offers packed virtqueues, as QEMU's {@code packed=on}.
     */
    static VirtioPciDevice wrap(VirtioDevice device, DeviceContext ctx, Map<String, String> config) {
        String irq = config.get("irq");
        IrqLine line = irq == null ? IrqLine.NONE : ctx.irq(intSetting(config, "irq", 0, 0, 1023));
        boolean packed;
        try {
            packed = DeviceSpec.flag(config, "packed");
        } catch (IllegalArgumentException e) {
            device.close();
            throw e;
        }
        return new VirtioPciDevice(device, ctx, line, packed);
    }

    static int intSetting(Map<String, String> config, String key, int def, int min, int max) {
        String v = config.get(key);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.decode(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(key + "=" + v + " is outside " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a number");
        }
    }
}
