package vmm.core.internal.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.w3c.dom.Element;
import org.w3c.dom.Node;

import vmm.core.domain.DomainException;

/** Reading one domain document: element paths for messages, the warnings gathered so far. */
final class XmlContext {

    private static final Pattern INTEGER = Pattern.compile("[0-9]{1,18}");

    /** A warning and the element it is about. */
    private record Warning(Node where, String text) {
    }

    private final List<Warning> warnings = new ArrayList<>();

    void warn(Element where, String text) {
        warnings.add(new Warning(where, path(where) + ": " + text));
    }

    /** The warnings in document order. */
    List<String> warnings() {
        List<Warning> sorted = new ArrayList<>(warnings);
        sorted.sort((a, b) -> a.where == b.where ? 0
                : (a.where.compareDocumentPosition(b.where) & Node.DOCUMENT_POSITION_FOLLOWING) != 0 ? -1 : 1);
        return sorted.stream().map(Warning::text).toList();
    }

    /** The element's path as in XPath: {@code /domain/devices/disk[2]/driver}. */
    static String path(Node node) {
        if (node == null || node.getNodeType() != Node.ELEMENT_NODE) {
            return "";
        }
        Element e = (Element) node;
        String name = e.getTagName();
        int index = 0;
        int count = 0;
        Node parent = e.getParentNode();
        if (parent != null && parent.getNodeType() == Node.ELEMENT_NODE) {
            for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c.getNodeType() == Node.ELEMENT_NODE && ((Element) c).getTagName().equals(name)) {
                    count++;
                    if (c == e) {
                        index = count;
                    }
                }
            }
        }
        return path(parent) + "/" + name + (count > 1 ? "[" + index + "]" : "");
    }

    static DomainException invalid(Node where, String message) {
        return new DomainException(DomainException.Kind.INVALID_XML, path(where) + ": " + message);
    }

    static DomainException invalidAttr(Element where, String attribute, String message) {
        return new DomainException(DomainException.Kind.INVALID_XML, path(where) + "/@" + attribute + ": " + message);
    }

    void unsupported(Element e) {
        warn(e, "not supported yet, kept as is");
    }

    static List<Element> children(Element parent) {
        List<Element> list = new ArrayList<>();
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.ELEMENT_NODE) {
                list.add((Element) c);
            }
        }
        return list;
    }

    static List<Element> children(Element parent, String name) {
        return children(parent).stream().filter(e -> e.getTagName().equals(name)).toList();
    }

    /** The only child named {@code name}, or null; two of them is an error. */
    static Element child(Element parent, String name) throws DomainException {
        List<Element> list = children(parent, name);
        if (list.size() > 1) {
            throw invalid(list.get(1), "<" + name + "> given more than once");
        }
        return list.isEmpty() ? null : list.get(0);
    }

    /** The attribute's value, or null when absent. */
    static String attr(Element e, String name) {
        return e.hasAttribute(name) ? e.getAttribute(name) : null;
    }

    static String text(Element e) {
        return e == null ? null : e.getTextContent().strip();
    }

    /** A value that must be one of {@code allowed}; {@code fallback} when the attribute is absent. */
    static String choice(Element e, String attribute, String fallback, String... allowed) throws DomainException {
        String v = attr(e, attribute);
        if (v == null) {
            return fallback;
        }
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw invalidAttr(e, attribute, "invalid value '" + v + "' (expected " + String.join(", ", allowed) + ")");
    }

    static long integer(Element e, String what, String value) throws DomainException {
        if (value == null || !INTEGER.matcher(value).matches()) {
            throw invalid(e, "invalid " + what + " '" + (value == null ? "" : value) + "' (expected a number)");
        }
        return Long.parseLong(value);
    }

    static long integerAttr(Element e, String attribute, long fallback) throws DomainException {
        String v = attr(e, attribute);
        if (v == null) {
            return fallback;
        }
        if (!INTEGER.matcher(v).matches()) {
            throw invalidAttr(e, attribute, "invalid number '" + v + "'");
        }
        return Long.parseLong(v);
    }
}
