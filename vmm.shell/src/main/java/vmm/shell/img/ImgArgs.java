package vmm.shell.img;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * qemu-img style arguments of one verb: short options ({@code -f qcow2}, {@code -p}), long
 * options ({@code --output=json}, {@code --shrink}) and positional names. Repeated {@code -o}
 * values are joined with commas, as qemu-img does.
 */
final class ImgArgs {
    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    /**
     * @param withValue options that take a value (e.g. "-f", "--output")
     * @param flags     options that take none (e.g. "-p", "--shrink")
     */
    ImgArgs(String verb, List<String> args, Set<String> withValue, Set<String> flags) throws ImgException {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--") && a.contains("=")) {
                String key = a.substring(0, a.indexOf('='));
                requireKnown(verb, key, withValue);
                put(key, a.substring(a.indexOf('=') + 1));
            } else if (withValue.contains(a)) {
                if (i + 1 >= args.size()) {
                    throw new ImgException(verb + ": option " + a + " needs a value");
                }
                put(a, args.get(++i));
            } else if (flags.contains(a)) {
                options.put(a, "true");
            } else if (a.startsWith("-") && a.length() > 1 && !isNumber(a)) {
                throw new ImgException(verb + ": unknown option '" + a + "'");
            } else {
                positional.add(a);
            }
        }
    }

    private static boolean isNumber(String a) {
        // "resize img -1G" shrinks: a leading minus on a size is not an option.
        return a.length() > 1 && Character.isDigit(a.charAt(1));
    }

    private static void requireKnown(String verb, String key, Set<String> withValue) throws ImgException {
        if (!withValue.contains(key)) {
            throw new ImgException(verb + ": unknown option '" + key + "'");
        }
    }

    private void put(String key, String value) {
        options.merge(key, value, (old, v) -> key.equals("-o") ? old + "," + v : v);
    }

    String get(String key) {
        return options.get(key);
    }

    String get(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    boolean has(String key) {
        return options.containsKey(key);
    }

    List<String> positional() {
        return positional;
    }

    String positional(int i, String what, String verb) throws ImgException {
        if (i >= positional.size()) {
            throw new ImgException(verb + ": missing " + what);
        }
        return positional.get(i);
    }

    /** {@code -o a=b,c=d} as a map; a doubled comma is a literal comma, as in qemu-img. */
    Map<String, String> createOptions() throws ImgException {
        Map<String, String> out = new HashMap<>();
        String o = options.get("-o");
        if (o == null || o.isEmpty()) {
            return out;
        }
        for (String part : o.replace(",,", "\u0000").split(",")) {
            String p = part.replace('\u0000', ',');
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new ImgException("option '" + p + "' must be key=value");
            }
            out.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return out;
    }

    /** {@code --output}: human (default) or json. */
    boolean json(String verb) throws ImgException {
        String fmt = get("--output", "human");
        return switch (fmt) {
            case "human" -> false;
            case "json" -> true;
            default -> throw new ImgException(verb + ": --output must be human or json, not '" + fmt + "'");
        };
    }
}
