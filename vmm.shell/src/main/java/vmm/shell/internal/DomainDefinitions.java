package vmm.shell.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/** The libvirt-style domain definitions stored under the state folder's {@code domains/}. */
final class DomainDefinitions {

    /** A stored definition, or the reason it could not be read. */
    record Entry(Path file, String name, String error) {
    }

    private final Path folder;

    DomainDefinitions(Path folder) {
        this.folder = folder;
    }

    List<Entry> list() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return entries;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.xml")) {
            for (Path f : files) {
                entries.add(read(f));
            }
        }
        entries.sort(Comparator.comparing(e -> e.name() == null ? e.file().toString() : e.name()));
        return entries;
    }

    static Entry read(Path file) {
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            // Definitions may come from anyone: no DTDs, no external entities.
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            var builder = dbf.newDocumentBuilder();
            builder.setErrorHandler(null);
            Element root = builder.parse(file.toFile()).getDocumentElement();
            if (!"domain".equals(root.getTagName())) {
                return new Entry(file, null, "root element is <" + root.getTagName() + ">, expected <domain>");
            }
            var names = root.getElementsByTagName("name");
            if (names.getLength() == 0 || names.item(0).getTextContent().isBlank()) {
                return new Entry(file, null, "missing <name>");
            }
            return new Entry(file, names.item(0).getTextContent().trim(), null);
        } catch (SAXException e) {
            return new Entry(file, null, "malformed XML: " + e.getMessage());
        } catch (IOException | ParserConfigurationException e) {
            return new Entry(file, null, e.toString());
        }
    }
}
