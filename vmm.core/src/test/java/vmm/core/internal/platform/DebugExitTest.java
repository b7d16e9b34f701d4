package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;

class DebugExitTest {

    @Test
    void exitStatusIsTheValueShiftedLeftPlusOne() {
        List<Integer> statuses = new ArrayList<>();
        Bus bus = Bus.pio();
        bus.insert(new DebugExit(statuses::add), DebugExit.PORT, DebugExit.PORTS);
        PortIo io = new PortIo(bus);
        io.outb(0xf4, 0x00);
        io.outb(0xf4, 0x10);
        io.outl(0xf4, 0x7f);
        io.outw(0xf6, 0x01); // any port of the four
        assertEquals(List.of(1, 0x21, 0xff, 3), statuses);
    }
}
