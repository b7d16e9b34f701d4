package vmm.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DeviceSpecTest {

    @Test
    void parsesQemuStyle() {
        DeviceSpec d = DeviceSpec.parse("virtio-blk,file=/tmp/a,b.img,format=qcow2,readonly");
        assertEquals("virtio-blk", d.type());
        assertEquals(Map.of("file", "/tmp/a", "b.img", "on", "format", "qcow2", "readonly", "on"), d.settings());
        assertEquals(new DeviceSpec("virtio-rng", Map.of()), DeviceSpec.parse("virtio-rng"));
    }

    @Test
    void badSpecsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse(",file=x")).getMessage()
                .contains("type"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("virtio-blk,=x")).getMessage()
                .contains("empty setting name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("virtio-blk,a=1,a=2"))
                .getMessage().contains("'a' given twice"));
    }

    @Test
    void flags() {
        assertTrue(DeviceSpec.flag(Map.of("ro", "on"), "ro"));
        assertTrue(DeviceSpec.flag(Map.of("ro", "TRUE"), "ro"));
        assertFalse(DeviceSpec.flag(Map.of("ro", "off"), "ro"));
        assertFalse(DeviceSpec.flag(Map.of(), "ro"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceSpec.flag(Map.of("ro", "maybe"), "ro"))
                .getMessage().contains("ro=maybe"));
    }

    @Test
    void configCarriesDevicesInOrder() {
        MachineConfig c = MachineConfig.builder(Path.of("k")).device(DeviceSpec.parse("a")).device(DeviceSpec.parse("b"))
                .build();
        assertEquals(List.of("a", "b"), c.devices().stream().map(DeviceSpec::type).toList());
        assertEquals(List.of(), new MachineConfig(2L << 20, 1, Path.of("k"), null, "", null, null, null).devices());
    }
}
