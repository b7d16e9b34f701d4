package vmm.dev.virtio.types;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.dev.virtio.device.VirtioConsole;

/**
 * {@code virtio-console}: the guest's hvc0. Settings {@code output=FILE} (appended; without it
 * the guest's output goes to the log line by line), {@code irq=GSI}. The machine reaches the
 * device model through {@code VirtioPciDevice.device()} to send input.
 */
@Component(property = DeviceType.PROPERTY + "=virtio-console")
public final class VirtioConsoleType implements DeviceType {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioConsoleType.class);

    @Override
    public String name() {
        return "virtio-console";
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        String output = config.get("output");
        VirtioConsole con;
        if (output != null) {
            OutputStream out;
            try {
                out = Files.newOutputStream(Path.of(output), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("virtio-console: output " + output + ": " + e.getMessage(), e);
            }
            con = new VirtioConsole(ctx.name(), b -> {
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException e) {
                    LOG.warn("{}: writing console output: {}", ctx.name(), e.getMessage());
                }
            });
        } else {
            StringBuilder line = new StringBuilder();
            con = new VirtioConsole(ctx.name(), b -> {
                synchronized (line) {
                    for (byte c : b) {
                        if (c == '\n') {
                            LOG.info("{}: {}", ctx.name(), line);
                            line.setLength(0);
                        } else if (c != '\r') {
                            line.append((char) (c & 0xff));
                        }
                    }
                }
            });
        }
        return PciDevices.wrap(con, ctx, config);
    }
}
