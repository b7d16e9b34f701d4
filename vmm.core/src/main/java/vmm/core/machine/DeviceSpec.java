package vmm.core.machine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One device the machine is built with, as QEMU's {@code -device TYPE,key=value,...}: the
 * {@link vmm.core.device.DeviceType} name and its settings.
 *
 * @param type     the device type's name, e.g. {@code virtio-blk}
 * @param settings the settings in the order given
 */
public record DeviceSpec(String type, Map<String, String> settings) {

    public DeviceSpec {
        Objects.requireNonNull(type, "type");
        if (type.isBlank()) {
            throw new IllegalArgumentException("a device needs a type name");
        }
        settings = Map.copyOf(settings);
    }

    /**
     * Parses {@code TYPE[,key=value...]}; a key without {@code =} means {@code key=on}.
     *
     * @throws IllegalArgumentException naming the problem (empty type, empty or repeated key)
     */
    public static DeviceSpec parse(String text) {
        String[] parts = text.split(",", -1);
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).strip();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("device '" + text + "': empty setting name in '" + p + "'");
            }
            if (settings.put(key, eq < 0 ? "on" : p.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("device '" + text + "': '" + key + "' given twice");
            }
        }
        return new DeviceSpec(parts[0].strip(), settings);
    }

    /** QEMU's boolean spellings: on/off, true/false, yes/no. */
    public static boolean flag(Map<String, String> settings, String key) {
        String v = settings.get(key);
        if (v == null) {
            return false;
        }
        return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(key + "=" + v + " is not on/off");
        };
    }
}
