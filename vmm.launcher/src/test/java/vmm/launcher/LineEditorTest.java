package vmm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell's line editing, driven by the bytes a terminal in character mode sends. */
class LineEditorTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final List<String> asked = new ArrayList<>();

    private LineEditor editor(String keys, Path history) {
        Keyboard keyboard = new Keyboard(new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)), false);
        return new LineEditor(keyboard, new PrintStream(screen, true, StandardCharsets.UTF_8), before -> {
            asked.add(before);
            if (before.equals("dominfo we")) {
                return List.of("web");
            }
            if (before.equals("dom")) {
                return List.of("domblklist", "domiflist", "dominfo");
            }
            return List.of();
        }, history);
    }

    @Test
    void editingKeysChangeTheLineWhereTheCursorIs() throws Exception {
        // Left arrow twice, insert; Ctrl-A, insert; Ctrl-E; backspace; Ctrl-W deletes a word.
        LineEditor e = editor("lst\u001b[D\u001b[Di\u0001x \u0005\u007ft\r" + "one two\u0017three\r" + "abc\u0015list --all\n", null);
        assertEquals("x list", e.readLine("vmm # "));
        assertEquals("one three", e.readLine("vmm # "));
        assertEquals("list --all", e.readLine("vmm # "));
        assertNull(e.readLine("vmm # "), "the end of input");
    }

    @Test
    void tabCompletesTheOnlyCandidateAndListsSeveral() throws Exception {
        LineEditor e = editor("dominfo we\t\r" + "dom\t\u0015quit\r", null);
        assertEquals("dominfo web ", e.readLine("vmm # "));
        assertEquals("quit", e.readLine("vmm # "));
        assertEquals(List.of("dominfo we", "dom"), asked);
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("\r\ndomblklist  domiflist  dominfo\r\n"), shown);
    }

    @Test
    void historyComesBackWithTheArrowsAndIsKept() throws Exception {
        Path file = dir.resolve("history");
        LineEditor first = editor("list\rdominfo web\r\u001b[A\u001b[A\r\u0004", file);
        assertEquals("list", first.readLine("vmm # "));
        assertEquals("dominfo web", first.readLine("vmm # "));
        assertEquals("list", first.readLine("vmm # "));
        assertNull(first.readLine("vmm # "), "Ctrl-D on an empty line");
        assertEquals(List.of("list", "dominfo web", "list"), Files.readAllLines(file));
        // A new shell starts with it; Ctrl-C drops a half-typed line.
        LineEditor second = editor("half\u0003\u001b[A\u001b[A\u001b[B\r", file);
        assertEquals("list", second.readLine("vmm # "));
    }
}
