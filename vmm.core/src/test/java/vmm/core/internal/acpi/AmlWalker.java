package vmm.core.internal.acpi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent reader of the AML subset the DSDT uses: walks the term list, checks that
 * every PkgLength ends exactly where its contents do, and records the full names of named
 * objects with the integer elements of their packages.
 */
final class AmlWalker {
    private final byte[] aml;
    private int pos;
    final List<String> names = new ArrayList<>();
    final Map<String, List<Long>> packages = new HashMap<>();
    final Map<String, Integer> packageCounts = new HashMap<>();

    AmlWalker(byte[] aml, int start) {
        this.aml = aml;
        this.pos = start;
    }

    void walk() {
        termList(aml.length, "\\");
        if (pos != aml.length) {
            throw new AssertionError("trailing bytes at " + pos);
        }
    }

    private int pkgEnd() {
        int start = pos;
        int lead = aml[pos++] & 0xff;
        int n = lead >>> 6;
        int length = n == 0 ? lead & 0x3f : lead & 0x0f;
        for (int i = 0; i < n; i++) {
            length |= (aml[pos++] & 0xff) << (4 + 8 * i);
        }
        return start + length;
    }

    private String nameString(String scope) {
        StringBuilder s = new StringBuilder();
        boolean root = false;
        if (aml[pos] == '\\') {
            root = true;
            pos++;
        }
        int segments;
        int b = aml[pos] & 0xff;
        if (b == 0x2e) {
            segments = 2;
            pos++;
        } else if (b == 0x2f) {
            segments = aml[pos + 1] & 0xff;
            pos += 2;
        } else if (b == 0) {
            segments = 0;
            pos++;
        } else {
            segments = 1;
        }
        for (int i = 0; i < segments; i++) {
            if (i > 0) {
                s.append('.');
            }
            s.append(new String(aml, pos, 4, StandardCharsets.US_ASCII));
            pos += 4;
        }
        if (root) {
            return "\\" + s;
        }
        return scope.equals("\\") ? "\\" + s : scope + "." + s;
    }

    private void termList(int end, String scope) {
        while (pos < end) {
            int op = aml[pos++] & 0xff;
            switch (op) {
                case 0x10 -> {
                    int e = pkgEnd();
                    String name = nameString(scope);
                    termList(e, name);
                    check(e);
                }
                case 0x5b -> {
                    if ((aml[pos++] & 0xff) != 0x82) {
                        throw new AssertionError("unexpected extended opcode at " + (pos - 1));
                    }
                    int e = pkgEnd();
                    String name = nameString(scope);
                    termList(e, name);
                    check(e);
                }
                case 0x08 -> {
                    String name = nameString(scope);
                    names.add(name);
                    List<Long> ints = new ArrayList<>();
                    Object v = dataObject(ints);
                    if (v instanceof Integer count) {
                        packages.put(name, ints);
                        packageCounts.put(name, count);
                    }
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(op) + " at " + (pos - 1));
            }
        }
    }

    private void check(int end) {
        if (pos != end) {
            throw new AssertionError("package ends at " + pos + ", PkgLength said " + end);
        }
    }

    /** Reads one data object; integers go to {@code ints}; returns the element count for a package. */
    private Object dataObject(List<Long> ints) {
        int op = aml[pos++] & 0xff;
        switch (op) {
            case 0x00, 0x01 -> ints.add((long) op);
            case 0xff -> ints.add(-1L);
            case 0x0a -> ints.add(le(1));
            case 0x0b -> ints.add(le(2));
            case 0x0c -> ints.add(le(4));
            case 0x0e -> ints.add(le(8));
            case 0x0d -> {
                while (aml[pos++] != 0) {
                    // the string's characters
                }
            }
            case 0x11 -> {
                int e = pkgEnd();
                dataObject(new ArrayList<>());
                pos = e;
            }
            case 0x12 -> {
                int e = pkgEnd();
                int count = aml[pos++] & 0xff;
                for (int i = 0; i < count; i++) {
                    dataObject(ints);
                }
                check(e);
                return count;
            }
            default -> throw new AssertionError("unexpected data opcode 0x" + Integer.toHexString(op) + " at " + (pos - 1));
        }
        return null;
    }

    private long le(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (aml[pos++] & 0xffL) << (8 * i);
        }
        return v;
    }
}
