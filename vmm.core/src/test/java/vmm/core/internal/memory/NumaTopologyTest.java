package vmm.core.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NumaTopologyTest {

    @Test
    void parsesTheKernelsListFormat() {
        NumaTopology t = NumaTopology.parse("0-2,5\n");
        assertEquals(4, t.nodeCount());
        assertTrue(t.hasNode(1));
        assertTrue(t.hasNode(5));
        assertFalse(t.hasNode(3));
        assertFalse(t.hasNode(-1));
        assertThrows(IllegalArgumentException.class, () -> NumaTopology.parse("zero"));
        assertThrows(IllegalArgumentException.class, () -> NumaTopology.parse(""));
    }

    @Test
    void aKernelWithoutNumaIsOneNode(@TempDir Path dir) throws Exception {
        assertEquals(1, NumaTopology.read(dir.resolve("missing")).nodeCount());
        Path online = dir.resolve("online");
        Files.writeString(online, "0-1\n");
        assertEquals(2, NumaTopology.read(online).nodeCount());
    }

    @Test
    void thisHostHasNodeZero() {
        assertTrue(NumaTopology.host().hasNode(0));
    }
}
