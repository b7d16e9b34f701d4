package vmm.shell.img;

import java.util.Locale;

/** Sizes as qemu-img reads and prints them: binary suffixes, "64 MiB". */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /** "64M", "1.5G", "4096", "512k"; a bare number is bytes. */
    static long parse(String text) throws ImgException {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new ImgException("empty size");
        }
        char last = Character.toLowerCase(t.charAt(t.length() - 1));
        int shift = switch (last) {
            case 'b' -> 0;
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            case 'p' -> 50;
            case 'e' -> 60;
            default -> -1;
        };
        String number = shift < 0 ? t : t.substring(0, t.length() - 1);
        try {
            double value = Double.parseDouble(number);
            double bytes = value * Math.pow(2, Math.max(shift, 0));
            if (value < 0 || Double.isNaN(bytes) || bytes >= 0x1p63) {
                throw new ImgException("size '" + text + "' is out of range");
            }
            return (long) bytes;
        } catch (NumberFormatException e) {
            throw new ImgException("invalid size '" + text + "' (examples: 4096, 64M, 1.5G)");
        }
    }

    /** "64 MiB", "1.5 GiB", "0 B", as qemu-img's human output. */
    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + " " + UNITS[unit];
    }
}
