package vmm.core.internal.domain;

import java.io.IOException;
import java.io.StringReader;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import vmm.core.domain.DomainException;

/**
 * The JDK's DOM parser set up for hostile input: no DTDs, no external entities or schemas, no
 * XInclude, the JDK's processing limits on.
 */
final class SecureXml {

    /** Definitions larger than this are refused before parsing. */
    static final int MAX_CHARS = 4 << 20;

    private SecureXml() {
    }

    static Document parse(String xml) throws DomainException {
        if (xml.length() > MAX_CHARS) {
            throw new DomainException(DomainException.Kind.INVALID_XML,
                    "XML error: the definition is " + xml.length() + " characters, more than " + MAX_CHARS);
        }
        try {
            DocumentBuilder builder = factory().newDocumentBuilder();
            builder.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                    // Warnings do not make a document invalid.
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            Document doc = builder.parse(new InputSource(new StringReader(xml)));
            dropIndentation(doc.getDocumentElement());
            AttributeOrder.record(xml, doc);
            return doc;
        } catch (SAXParseException e) {
            throw new DomainException(DomainException.Kind.INVALID_XML, "XML error: malformed XML at line "
                    + e.getLineNumber() + ", column " + e.getColumnNumber() + ": " + e.getMessage(), e);
        } catch (SAXException e) {
            throw new DomainException(DomainException.Kind.INVALID_XML, "XML error: malformed XML: " + e.getMessage(), e);
        } catch (IOException | ParserConfigurationException e) {
            throw new DomainException(DomainException.Kind.FAILED, "cannot parse XML: " + e, e);
        }
    }

    private static DocumentBuilderFactory factory() throws ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setNamespaceAware(true);
        return f;
    }

    /** Whitespace between elements is layout, re-made when the document is written. */
    private static void dropIndentation(Node node) {
        boolean hasElements = false;
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.ELEMENT_NODE) {
                hasElements = true;
            }
        }
        Node c = node.getFirstChild();
        while (c != null) {
            Node next = c.getNextSibling();
            if (hasElements && c.getNodeType() == Node.TEXT_NODE && c.getNodeValue().isBlank()) {
                node.removeChild(c);
            } else if (c.getNodeType() == Node.ELEMENT_NODE) {
                dropIndentation(c);
            }
            c = next;
        }
    }
}
