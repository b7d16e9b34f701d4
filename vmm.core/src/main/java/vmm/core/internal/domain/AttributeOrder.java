package vmm.core.internal.domain;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The DOM keeps attributes sorted by name; libvirt's XML reads best in its own order
 * ({@code <disk type='file' device='disk'>}). A streaming pass over the same text records each
 * element's attribute order, which {@link XmlWriter} follows when it writes the document back.
 */
final class AttributeOrder {

    static final String KEY = "vmm.attribute-order";

    private AttributeOrder() {
    }

    /** Attaches to each element of {@code doc} the order its attributes had in {@code xml}. */
    static void record(String xml, org.w3c.dom.Document doc) {
        List<List<String>> orders = new ArrayList<>();
        XMLInputFactory f = XMLInputFactory.newFactory();
        // The DOM parse before this one refused DTDs; this reader never resolves anything either.
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        try {
            XMLStreamReader r = f.createXMLStreamReader(new StringReader(xml));
            try {
                while (r.hasNext()) {
                    if (r.next() == XMLStreamConstants.START_ELEMENT) {
                        List<String> names = new ArrayList<>();
                        for (int i = 0; i < r.getNamespaceCount(); i++) {
                            String prefix = r.getNamespacePrefix(i);
                            names.add(prefix == null || prefix.isEmpty() ? "xmlns" : "xmlns:" + prefix);
                        }
                        for (int i = 0; i < r.getAttributeCount(); i++) {
                            String prefix = r.getAttributePrefix(i);
                            String local = r.getAttributeLocalName(i);
                            names.add(prefix == null || prefix.isEmpty() ? local : prefix + ":" + local);
                        }
                        orders.add(names);
                    }
                }
            } finally {
                r.close();
            }
        } catch (XMLStreamException e) {
            // The DOM parser accepted the text; without the order the writer uses the DOM's.
            return;
        }
        int[] index = {0};
        attach(doc.getDocumentElement(), orders, index);
    }

    private static void attach(Element e, List<List<String>> orders, int[] index) {
        if (index[0] >= orders.size()) {
            return;
        }
        e.setUserData(KEY, orders.get(index[0]++), null);
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.ELEMENT_NODE) {
                attach((Element) c, orders, index);
            }
        }
    }
}
