package vmm.shell.internal.virsh;

import java.util.ArrayList;
import java.util.List;

/**
 * virsh's tables (vsh-table.c): each cell after one space, columns padded to their widest cell
 * plus two spaces, the last column unpadded, and under the header a rule of (width + 3) dashes
 * per column.
 */
public final class Table {

    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) {
        rows.add(header);
    }

    public Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    public String render() {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], width(r[c]));
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, rows.get(0), widths);
        for (int c = 0; c < columns; c++) {
            sb.append("-".repeat(widths[c] + 3));
        }
        sb.append('\n');
        for (int i = 1; i < rows.size(); i++) {
            line(sb, rows.get(i), widths);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] widths) {
        for (int c = 0; c < cells.length; c++) {
            sb.append(' ').append(cells[c]);
            if (c < cells.length - 1) {
                sb.append(" ".repeat(widths[c] - width(cells[c]) + 2));
            }
        }
        sb.append('\n');
    }

    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }
}
