package vmm.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.internal.memory.MmapGuestMemory;

/**
 * The device example of this package's documentation, written out and run the way the
 * machine runs a plugin: created from a {@link DeviceType} with a {@link DeviceContext},
 * claimed on a bus, driven by port accesses, saved and restored.
 */
class ScratchDeviceTypeTest {

    static final class ScratchType implements DeviceType {
        @Override
        public String name() {
            return "scratch";
        }

        @Override
        public BusDevice create(DeviceContext ctx, Map<String, String> config) {
            IrqLine irq = ctx.irq(Integer.parseInt(config.getOrDefault("irq", "5")));
            return new Scratch(irq);
        }
    }

    static final class Scratch implements BusDevice {
        private final IrqLine irq;
        private byte value;

        Scratch(IrqLine irq) {
            this.irq = irq;
        }

        @Override
        public synchronized void read(long offset, byte[] data) {
            Arrays.fill(data, offset == 0 ? value : (byte) 0xff);
        }

        @Override
        public synchronized void write(long offset, byte[] data) {
            if (offset == 0) {
                value = data[0];
                irq.pulse();
            }
        }

        @Override
        public synchronized void reset() {
            value = 0;
        }

        @Override
        public synchronized DeviceState saveState() {
            return new DeviceState("scratch", 1, new byte[] {value});
        }

        @Override
        public synchronized void restoreState(DeviceState state) {
            value = state.require("scratch", 1).data()[0];
        }
    }

    @Test
    void aPluginDeviceIsCreatedClaimedDrivenAndSaved() {
        List<String> irqEvents = new ArrayList<>();
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(1 << 20)) {
            DeviceContext ctx = DeviceContext.of("scratch0", ram,
                    gsi -> gsi == 7 ? level -> irqEvents.add("irq7 " + level) : null, (address, data) -> { });
            DeviceType type = new ScratchType();
            BusDevice device = type.create(ctx, Map.of("irq", "7"));
            Bus pio = Bus.pio();
            pio.insert(ctx.name(), device, 0x510, 2);

            pio.write(0x510, new byte[] {0x42});
            assertEquals(List.of("irq7 true", "irq7 false"), irqEvents, "pulse is raise then lower");
            byte[] data = new byte[1];
            pio.read(0x510, data);
            assertEquals(0x42, data[0]);
            pio.read(0x511, data);
            assertEquals(-1, data[0]);

            DeviceState saved = device.saveState();
            device.reset();
            pio.read(0x510, data);
            assertEquals(0, data[0]);
            device.restoreState(DeviceState.fromBytes(saved.toBytes()));
            pio.read(0x510, data);
            assertEquals(0x42, data[0]);

            IllegalArgumentException noLine = assertThrows(IllegalArgumentException.class,
                    () -> type.create(ctx, Map.of("irq", "9")));
            assertEquals("scratch0: the machine has no interrupt line 9", noLine.getMessage());
            assertEquals("vmm.device.type", DeviceType.PROPERTY);
        }
    }

    @Test
    void aDeviceWithoutStateSupportRefusesToSnapshot() {
        BusDevice stateless = new BusDevice() {
            @Override
            public void read(long offset, byte[] data) {
                Arrays.fill(data, (byte) 0);
            }

            @Override
            public void write(long offset, byte[] data) {
                // a sink: writes have no effect by design
            }

            @Override
            public String name() {
                return "sink";
            }
        };
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, stateless::saveState);
        assertTrue(e.getMessage().contains("sink"), e.getMessage());
    }
}
