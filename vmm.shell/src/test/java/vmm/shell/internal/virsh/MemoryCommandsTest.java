package vmm.shell.internal.virsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** setmem's size as virsh scales it (virScaleInteger, default KiB, rounded up to KiB). */
class MemoryCommandsTest {

    @ParameterizedTest
    @CsvSource({"1048576, 1048576", "512M, 524288", "512MiB, 524288", "512mib, 524288", "1G, 1048576",
            "1GB, 976563", "1000KB, 977", "4k, 4", "1, 1", "2048b, 2", "1025bytes, 2", "0, 0", "1T, 1073741824"})
    void sizesScaleAsVirsh(String text, long kib) throws VirshError {
        assertEquals(kib, MemoryCommands.kibibytes(text, "size"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "1.5G", "12x", "1Gi", "1GiBs", "k", "99999999999999999999", "9000000000000E"})
    void malformedSizesAreVirshsError(String text) {
        VirshError e = assertThrows(VirshError.class, () -> MemoryCommands.kibibytes(text, "size"));
        assertEquals("error: Scaled numeric value '" + text + "' for <size> option is malformed or out of range",
                e.toString());
    }
}
