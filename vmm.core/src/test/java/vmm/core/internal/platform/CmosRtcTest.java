package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;
import vmm.core.internal.memory.GuestMemoryMap;

class CmosRtcTest {
    /** Thursday 26 November 2026, 14:05:09 UTC. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T14:05:09Z"), ZoneOffset.UTC);

    private CmosRtc rtc;
    private PortIo io;

    @BeforeEach
    void plugIn() {
        Bus bus = Bus.pio();
        rtc = new CmosRtc(CLOCK);
        bus.insert(rtc, CmosRtc.BASE_PORT, CmosRtc.PORTS);
        io = new PortIo(bus);
    }

    private int cmos(int register) {
        io.outb(0x70, register);
        return io.inb(0x71);
    }

    private void setCmos(int register, int value) {
        io.outb(0x70, register);
        io.outb(0x71, value);
    }

    @Test
    void timeInBcdByDefault() {
        assertEquals(0x02, cmos(0x0b), "24-hour BCD");
        assertEquals(0x09, cmos(0x00));
        assertEquals(0x05, cmos(0x02));
        assertEquals(0x14, cmos(0x04));
        assertEquals(5, cmos(0x06), "Thursday, with Sunday = 1");
        assertEquals(0x26, cmos(0x07));
        assertEquals(0x11, cmos(0x08));
        assertEquals(0x26, cmos(0x09));
        assertEquals(0x20, cmos(0x32));
        assertEquals(0, cmos(0x0a) & 0x80, "never mid-update");
        assertEquals(0x80, cmos(0x0d), "valid RAM and time");
    }

    @Test
    void timeInBinaryAndTwelveHourForm() {
        setCmos(0x0b, 0x06); // binary, 24-hour
        assertEquals(9, cmos(0x00));
        assertEquals(14, cmos(0x04));
        assertEquals(26, cmos(0x07));
        assertEquals(11, cmos(0x08));
        assertEquals(26, cmos(0x09));
        assertEquals(20, cmos(0x32));
        setCmos(0x0b, 0x00); // BCD, 12-hour
        assertEquals(0x82, cmos(0x04), "2 PM: BCD 2 with the PM bit");
    }

    @Test
    void guestSetsTheClockUnderTheSetBit() {
        setCmos(0x0b, 0x82); // SET, 24-hour BCD
        setCmos(0x09, 0x30);
        setCmos(0x08, 0x01);
        setCmos(0x07, 0x02);
        setCmos(0x04, 0x03);
        setCmos(0x02, 0x04);
        setCmos(0x00, 0x05);
        assertEquals(0x30, cmos(0x09), "the fields being set read back while SET is on");
        setCmos(0x0b, 0x02);
        assertEquals(0x05, cmos(0x00));
        assertEquals(0x03, cmos(0x04));
        assertEquals(0x02, cmos(0x07));
        assertEquals(0x01, cmos(0x08));
        assertEquals(0x30, cmos(0x09));
        assertEquals(0x20, cmos(0x32));
        assertEquals(4, cmos(0x06), "2 January 2030 is a Wednesday");
    }

    @Test
    void nvramKeepsBytesAndTheIndexCarriesTheNmiBit() {
        setCmos(0x40, 0xab);
        setCmos(0x7f, 0x01);
        assertEquals(0xab, cmos(0x40));
        assertEquals(0x01, cmos(0x7f));
        assertFalse(rtc.nmiDisabled());
        io.outb(0x70, 0x80 | 0x40);
        assertTrue(rtc.nmiDisabled());
        assertEquals(0xab, io.inb(0x71), "bit 7 is not part of the index");
        assertEquals(0xff, io.inb(0x70), "the index port is write-only");
        setCmos(0x0c, 0xff);
        assertEquals(0, cmos(0x0c), "register C is read-only, no interrupt flags");
    }

    @Test
    void memorySizeRegistersFollowQemu() {
        GuestMemoryMap map = GuestMemoryMap.plan(8L << 30);
        rtc.setMemorySize(map.belowFourGiB(), map.aboveFourGiB());
        assertEquals(640, cmos(0x15) | cmos(0x16) << 8);
        assertEquals(0xffff, cmos(0x17) | cmos(0x18) << 8, "extended memory is capped at 65535 KiB");
        assertEquals(0xffff, cmos(0x30) | cmos(0x31) << 8);
        assertEquals((3 * 1024 - 16) * 16, cmos(0x34) | cmos(0x35) << 8, "16 MiB to 3 GiB in 64 KiB units");
        assertEquals(5 * 1024 * 16, cmos(0x5b) | cmos(0x5c) << 8 | cmos(0x5d) << 16, "5 GiB above 4 GiB");

        rtc.setMemorySize(8 << 20, 0);
        assertEquals(7 * 1024, cmos(0x17) | cmos(0x18) << 8);
        assertEquals(0, cmos(0x34) | cmos(0x35) << 8);
        assertEquals(0, cmos(0x5b) | cmos(0x5c) | cmos(0x5d));
    }

    @Test
    void stateKeepsNvramAndTheGuestsClock() {
        setCmos(0x50, 0x66);
        setCmos(0x09, 0x27); // a year later, without SET: applied at once
        CmosRtc other = new CmosRtc(CLOCK);
        other.restoreState(DeviceState.fromBytes(rtc.saveState().toBytes()));
        assertEquals(0x66, other.readRegister(0x50));
        assertEquals(0x27, other.readRegister(0x09));
        assertEquals(0x09, other.readRegister(0x00));
    }
}
