package vmm.shell.img;

import java.util.List;
import java.util.Map;

/** Just enough JSON output for {@code --output=json}: maps keep their insertion order. */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            case Map<?, ?> m -> {
                sb.append('{');
                int i = 0;
                for (var e : m.entrySet()) {
                    sb.append(i++ == 0 ? "\n" : ",\n").append("    ".repeat(indent + 1));
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), indent + 1);
                }
                sb.append(m.isEmpty() ? "" : "\n" + "    ".repeat(indent)).append('}');
            }
            case List<?> l -> {
                sb.append('[');
                int i = 0;
                for (Object o : l) {
                    sb.append(i++ == 0 ? "\n" : ",\n").append("    ".repeat(indent + 1));
                    write(sb, o, indent + 1);
                }
                sb.append(l.isEmpty() ? "" : "\n" + "    ".repeat(indent)).append(']');
            }
            default -> quote(sb, v.toString());
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
