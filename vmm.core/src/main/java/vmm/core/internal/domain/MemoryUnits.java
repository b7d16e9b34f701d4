package vmm.core.internal.domain;

import java.util.Map;

import org.w3c.dom.Element;

import vmm.core.domain.DomainException;

/** libvirt's memory units ({@code unit='MiB'}): powers of 1024 and of 1000, KiB by default. */
final class MemoryUnits {

    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("b", 1L), Map.entry("bytes", 1L),
            Map.entry("KB", 1000L), Map.entry("k", 1L << 10), Map.entry("KiB", 1L << 10),
            Map.entry("MB", 1000_000L), Map.entry("M", 1L << 20), Map.entry("MiB", 1L << 20),
            Map.entry("GB", 1000_000_000L), Map.entry("G", 1L << 30), Map.entry("GiB", 1L << 30),
            Map.entry("TB", 1000_000_000_000L), Map.entry("T", 1L << 40), Map.entry("TiB", 1L << 40),
            Map.entry("PB", 1000_000_000_000_000L), Map.entry("P", 1L << 50), Map.entry("PiB", 1L << 50),
            Map.entry("EB", 1000_000_000_000_000_000L), Map.entry("E", 1L << 60), Map.entry("EiB", 1L << 60));

    private MemoryUnits() {
    }

    /** The element's size in KiB, rounded up as libvirt rounds. */
    static long kib(Element e) throws DomainException {
        String unit = e.hasAttribute("unit") ? e.getAttribute("unit") : "KiB";
        Long scale = UNITS.get(unit);
        if (scale == null) {
            throw XmlContext.invalid(e, "invalid unit '" + unit + "'");
        }
        long value = XmlContext.integer(e, "size", XmlContext.text(e));
        try {
            long bytes = Math.multiplyExact(value, scale);
            return Math.ceilDiv(bytes, 1024L);
        } catch (ArithmeticException overflow) {
            throw XmlContext.invalid(e, "size " + value + " " + unit + " is too large");
        }
    }
}
