package vmm.core.internal.domain;

import java.util.ArrayList;
import java.util.List;

import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Writes a DOM tree as libvirt writes its XML: two-space indentation, attributes in single
 * quotes, empty elements as {@code <x/>}, text-only elements on one line.
 */
final class XmlWriter {

    private XmlWriter() {
    }

    static String write(Element root) {
        StringBuilder sb = new StringBuilder();
        element(sb, root, 0);
        return sb.toString();
    }

    private static void element(StringBuilder sb, Element e, int depth) {
        indent(sb, depth);
        sb.append('<').append(e.getTagName());
        NamedNodeMap attrs = e.getAttributes();
        List<String> names = new ArrayList<>();
        if (e.getUserData(AttributeOrder.KEY) instanceof List<?> order) {
            for (Object o : order) {
                if (attrs.getNamedItem(o.toString()) != null) {
                    names.add(o.toString());
                }
            }
        }
        for (int i = 0; i < attrs.getLength(); i++) {
            String n = ((Attr) attrs.item(i)).getName();
            if (!names.contains(n)) {
                names.add(n);
            }
        }
        for (String n : names) {
            sb.append(' ').append(n).append("='").append(escape(e.getAttribute(n), true)).append('\'');
        }
        Node first = e.getFirstChild();
        if (first == null) {
            sb.append("/>\n");
            return;
        }
        boolean textOnly = true;
        for (Node c = first; c != null; c = c.getNextSibling()) {
            if (c.getNodeType() != Node.TEXT_NODE && c.getNodeType() != Node.CDATA_SECTION_NODE) {
                textOnly = false;
            }
        }
        sb.append('>');
        if (textOnly) {
            sb.append(escape(e.getTextContent(), false));
        } else {
            sb.append('\n');
            for (Node c = first; c != null; c = c.getNextSibling()) {
                switch (c.getNodeType()) {
                    case Node.ELEMENT_NODE -> element(sb, (Element) c, depth + 1);
                    case Node.COMMENT_NODE -> {
                        indent(sb, depth + 1);
                        sb.append("<!--").append(c.getNodeValue()).append("-->\n");
                    }
                    case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> {
                        // Mixed content (text between elements) is rare in domain XML: keep the text.
                        String t = c.getNodeValue().strip();
                        if (!t.isEmpty()) {
                            indent(sb, depth + 1);
                            sb.append(escape(t, false)).append('\n');
                        }
                    }
                    default -> {
                        // Processing instructions carry nothing libvirt keeps.
                    }
                }
            }
            indent(sb, depth);
        }
        sb.append("</").append(e.getTagName()).append(">\n");
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.append("  ".repeat(depth));
    }

    static String escape(String s, boolean attribute) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\'' -> sb.append(attribute ? "&apos;" : "'");
                case '"' -> sb.append(attribute ? "&quot;" : "\"");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }
}
