package vmm.core.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class UnclaimedAccessLogTest {

    /** A debug-enabled logger that keeps the messages it was given. */
    private static Logger recordingLogger(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isDebugEnabled" -> true;
                    case "debug" -> lines.add(Arrays.deepToString(args));
                    case "getName" -> "test";
                    default -> method.getReturnType() == boolean.class ? false : null;
                });
    }

    @Test
    void aFloodOfUnclaimedAccessesIsLoggedAtMostTwentyTimesASecond() {
        List<String> lines = new ArrayList<>();
        UnclaimedAccessLog log = new UnclaimedAccessLog(recordingLogger(lines), "pio");
        for (int i = 0; i < 1000; i++) {
            log.record("read", 0x80, 1);
        }
        assertEquals(1000, log.total());
        assertEquals(UnclaimedAccessLog.PER_SECOND, lines.size());
        assertTrue(lines.get(0).contains("unclaimed {} of {} bytes at 0x{}") && lines.get(0).contains("pio, read, 1, 80"),
                lines.get(0));
    }

    @Test
    void theBusCountsUnclaimedAccessesEvenWhenDebugIsOff() {
        Bus bus = Bus.mmio();
        for (int i = 0; i < 50; i++) {
            bus.write(0xfed0_0000L, new byte[4]);
        }
        assertEquals(50, bus.unclaimedAccesses());
    }
}
