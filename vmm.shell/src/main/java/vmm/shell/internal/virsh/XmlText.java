package vmm.shell.internal.virsh;

/**
 * Edits in the text of a domain's normalized XML (as dumpxml writes it: one element a line,
 * attributes in single quotes): each replacement must match exactly once where it is looked for,
 * so an edit that would hit the wrong place fails instead.
 */
final class XmlText {
    private final StringBuilder text;
    private int from;

    XmlText(String xml) {
        this.text = new StringBuilder(xml);
    }

    /** Replaces the next occurrence of {@code old} after the previous replacement. */
    void replace(String old, String replacement) throws VirshError {
        int at = text.indexOf(old, from);
        if (at < 0) {
            throw new VirshError("internal error: cannot find " + old + " in the domain's XML");
        }
        text.replace(at, at + old.length(), replacement);
        from = at + replacement.length();
    }

    /** Searches from the start again. */
    void rewind() {
        from = 0;
    }

    /** Replaces {@code old} inside the {@code index}th {@code <disk>} element (document order). */
    void editDisk(int index, String old, String replacement) throws VirshError {
        int at = -1;
        for (int i = 0; i <= index; i++) {
            at = text.indexOf("<disk ", at + 1);
            if (at < 0) {
                throw new VirshError("internal error: disk " + index + " not found in the domain's XML");
            }
        }
        int end = text.indexOf("</disk>", at);
        int hit = text.indexOf(old, at);
        if (end < 0 || hit < 0 || hit > end) {
            throw new VirshError("internal error: cannot find " + old + " in disk " + index + " of the domain's XML");
        }
        text.replace(hit, hit + old.length(), replacement);
    }

    /** XML escaping for element text, as the domain XML writer escapes it. */
    static String escapeText(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** XML escaping for single-quoted attribute values, as the domain XML writer escapes them. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
