package vmm.core.internal.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;

/** The host's online NUMA nodes, as /sys/devices/system/node/online lists them ("0-1,3"). */
public record NumaTopology(BitSet nodes) {
    private static final Path ONLINE = Path.of("/sys/devices/system/node/online");

    public NumaTopology {
        nodes = (BitSet) nodes.clone();
    }

    /** The topology of this host; one node 0 when the kernel has no NUMA support. */
    public static NumaTopology host() {
        return read(ONLINE);
    }

    static NumaTopology read(Path online) {
        try {
            return parse(Files.readString(online));
        } catch (NoSuchFileException e) {
            // A kernel without CONFIG_NUMA has no node directory: it is one node.
            return parse("0");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + online, e);
        }
    }

    /** Parses the kernel's list format: comma-separated numbers and ranges. */
    public static NumaTopology parse(String list) {
        BitSet nodes = new BitSet();
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            try {
                int dash = part.indexOf('-');
                if (dash < 0) {
                    nodes.set(Integer.parseInt(part));
                } else {
                    nodes.set(Integer.parseInt(part.substring(0, dash)), Integer.parseInt(part.substring(dash + 1)) + 1);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad NUMA node list: " + list.trim(), e);
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("empty NUMA node list");
        }
        return new NumaTopology(nodes);
    }

    @Override
    public BitSet nodes() {
        return (BitSet) nodes.clone();
    }

    public int nodeCount() {
        return nodes.cardinality();
    }

    public boolean hasNode(int node) {
        return node >= 0 && nodes.get(node);
    }
}
