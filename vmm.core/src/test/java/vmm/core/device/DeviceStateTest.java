package vmm.core.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class DeviceStateTest {

    @Test
    void storedFormRoundTripsAndDescribesItself() {
        DeviceState state = new DeviceState("serial-16550", 3, new byte[] {1, 2, 3});
        byte[] stored = state.toBytes();
        assertArrayEquals(new byte[] {'V', 'M', 'D', 'S'}, Arrays.copyOf(stored, 4));
        DeviceState back = DeviceState.fromBytes(stored);
        assertEquals(state, back);
        assertEquals("serial-16550", back.type());
        assertEquals(3, back.version());
        assertArrayEquals(new byte[] {1, 2, 3}, back.data());
    }

    @Test
    void dataIsCopiedSoTheStateCannotChangeAfterwards() {
        byte[] data = {9};
        DeviceState state = new DeviceState("x", 1, data);
        data[0] = 0;
        state.data()[0] = 0;
        assertEquals(9, state.data()[0]);
    }

    @Test
    void badStoredFormsAreRefused() {
        byte[] stored = new DeviceState("x", 1, new byte[10]).toBytes();
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class,
                () -> DeviceState.fromBytes(Arrays.copyOf(stored, stored.length - 1)));
        assertTrue(truncated.getMessage().contains("data length 10"), truncated.getMessage());
        byte[] badMagic = stored.clone();
        badMagic[0] = 'X';
        assertThrows(IllegalArgumentException.class, () -> DeviceState.fromBytes(badMagic));
        assertThrows(IllegalArgumentException.class, () -> DeviceState.fromBytes(new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> new DeviceState("x", 0, new byte[0]));
    }

    @Test
    void requireChecksTypeAndVersion() {
        DeviceState v2 = new DeviceState("cmos-rtc", 2, new byte[0]);
        assertEquals(v2, v2.require("cmos-rtc", 2));
        assertEquals("state of device type cmos-rtc given to serial-16550",
                assertThrows(IllegalArgumentException.class, () -> v2.require("serial-16550", 5)).getMessage());
        assertEquals("cmos-rtc state version 2 is newer than the newest this device reads (1)",
                assertThrows(IllegalArgumentException.class, () -> v2.require("cmos-rtc", 1)).getMessage());
    }
}
