package vmm.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The interactive shell's line editing on a terminal in character mode: emacs keys (Ctrl-A/E/B/F/
 * K/U/W/L, arrows, Home/End, Delete), history (up/down, kept in a file), and Tab completion whose
 * candidates come from a {@link Completer} (the daemon). It reads the shared {@link Keyboard},
 * and gives back what was typed after Enter, so typed-ahead lines are not lost.
 */
final class LineEditor {
    /** The words that may end the text before the cursor. */
    interface Completer {
        List<String> complete(String beforeCursor);
    }

    private static final int HISTORY_MAX = 1000;

    private final Keyboard keyboard;
    private final PrintStream out;
    private final Completer completer;
    private final Path historyFile;
    private final List<String> history = new ArrayList<>();

    LineEditor(Keyboard keyboard, PrintStream out, Completer completer, Path historyFile) {
        this.keyboard = keyboard;
        this.out = out;
        this.completer = completer;
        this.historyFile = historyFile;
        try {
            if (historyFile != null && Files.isRegularFile(historyFile)) {
                List<String> lines = Files.readAllLines(historyFile, StandardCharsets.UTF_8);
                history.addAll(lines.subList(Math.max(0, lines.size() - HISTORY_MAX), lines.size()));
            }
        } catch (IOException e) {
            System.err.println("vmm: cannot read the history " + historyFile + ": " + e.getMessage());
        }
    }

    /** One edited line, or null at the end of input (Ctrl-D on an empty line). */
    String readLine(String prompt) throws InterruptedException {
        StringBuilder line = new StringBuilder();
        int cursor = 0;
        int browsing = history.size();
        String draft = "";
        ByteArrayOutputStream pendingChar = new ByteArrayOutputStream();
        int charLength = 0;
        StringBuilder escape = null;
        out.print(prompt);
        out.flush();
        while (true) {
            byte[] chunk = keyboard.next(Long.MAX_VALUE);
            if (chunk == null) {
                continue;
            }
            if (chunk == Keyboard.END) {
                out.println();
                return line.isEmpty() ? null : line.toString();
            }
            for (int i = 0; i < chunk.length; i++) {
                int b = chunk[i] & 0xff;
                if (escape != null) {
                    escape.append((char) b);
                    String seq = escape.toString();
                    // ESC [ ... final byte (0x40-0x7e), ESC O x, or ESC x (Alt-x, ignored).
                    boolean complete = switch (seq.charAt(0)) {
                        case '[' -> seq.length() >= 2 && b >= 0x40 && b <= 0x7e;
                        case 'O' -> seq.length() == 2;
                        default -> true;
                    };
                    if (!complete && seq.length() < 8) {
                        continue;
                    }
                    escape = null;
                    switch (seq) {
                        case "[D", "OD" -> cursor = Math.max(0, cursor - 1);
                        case "[C", "OC" -> cursor = Math.min(line.length(), cursor + 1);
                        case "[H", "OH", "[1~", "[7~" -> cursor = 0;
                        case "[F", "OF", "[4~", "[8~" -> cursor = line.length();
                        case "[3~" -> {
                            if (cursor < line.length()) {
                                line.deleteCharAt(cursor);
                            }
                        }
                        case "[A", "OA", "[B", "OB" -> {
                            boolean up = seq.endsWith("A");
                            if (browsing == history.size()) {
                                draft = line.toString();
                            }
                            int next = up ? Math.max(0, browsing - 1) : Math.min(history.size(), browsing + 1);
                            if (next != browsing) {
                                browsing = next;
                                line.setLength(0);
                                line.append(browsing == history.size() ? draft : history.get(browsing));
                                cursor = line.length();
                            }
                        }
                        default -> {
                            // An unknown key: ignored, as a terminal line editor does.
                        }
                    }
                    redraw(prompt, line, cursor);
                    continue;
                }
                if (charLength > 0) {
                    pendingChar.write(b);
                    if (pendingChar.size() == charLength) {
                        String s = pendingChar.toString(StandardCharsets.UTF_8);
                        line.insert(cursor, s);
                        cursor += s.length();
                        charLength = 0;
                        pendingChar.reset();
                        redraw(prompt, line, cursor);
                    }
                    continue;
                }
                switch (b) {
                    case '\r', '\n' -> {
                        keyboard.unread(chunk, i + 1);
                        out.print("\r\n");
                        out.flush();
                        String result = line.toString();
                        remember(result);
                        return result;
                    }
                    case 0x1b -> escape = new StringBuilder();
                    case 0x01 -> cursor = 0;
                    case 0x05 -> cursor = line.length();
                    case 0x02 -> cursor = Math.max(0, cursor - 1);
                    case 0x06 -> cursor = Math.min(line.length(), cursor + 1);
                    case 0x0b -> line.setLength(cursor);
                    case 0x15 -> {
                        line.delete(0, cursor);
                        cursor = 0;
                    }
                    case 0x17 -> {
                        int from = cursor;
                        while (from > 0 && line.charAt(from - 1) == ' ') {
                            from--;
                        }
                        while (from > 0 && line.charAt(from - 1) != ' ') {
                            from--;
                        }
                        line.delete(from, cursor);
                        cursor = from;
                    }
                    case 0x7f, 0x08 -> {
                        if (cursor > 0) {
                            line.deleteCharAt(--cursor);
                        }
                    }
                    case 0x04 -> {
                        if (line.isEmpty()) {
                            keyboard.unread(chunk, i + 1);
                            out.print("\r\n");
                            out.flush();
                            return null;
                        }
                        if (cursor < line.length()) {
                            line.deleteCharAt(cursor);
                        }
                    }
                    case 0x03 -> {
                        // Ctrl-C drops the line, as jline does; the shell goes on.
                        out.print("^C\r\n");
                        line.setLength(0);
                        cursor = 0;
                        browsing = history.size();
                    }
                    case 0x0c -> out.print("\033[H\033[2J");
                    case '\t' -> cursor = complete(prompt, line, cursor);
                    default -> {
                        if (b >= 0xc0) {
                            charLength = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
                            pendingChar.write(b);
                            continue;
                        }
                        if (b < 0x20 || b >= 0x80) {
                            continue;
                        }
                        line.insert(cursor++, (char) b);
                    }
                }
                redraw(prompt, line, cursor);
            }
        }
    }

    /** Completes the word before the cursor: the only candidate, else their common start, else lists them. */
    private int complete(String prompt, StringBuilder line, int cursor) {
        String before = line.substring(0, cursor);
        List<String> candidates = completer.complete(before);
        if (candidates.isEmpty()) {
            return cursor;
        }
        int wordStart = before.lastIndexOf(' ') + 1;
        String word = before.substring(wordStart);
        String insert;
        if (candidates.size() == 1) {
            insert = candidates.get(0) + " ";
        } else {
            String common = candidates.get(0);
            for (String c : candidates) {
                int n = 0;
                while (n < common.length() && n < c.length() && common.charAt(n) == c.charAt(n)) {
                    n++;
                }
                common = common.substring(0, n);
            }
            insert = common;
            if (common.length() <= word.length()) {
                out.print("\r\n" + String.join("  ", candidates) + "\r\n");
            }
        }
        if (insert.length() < word.length() || !insert.startsWith(word)) {
            return cursor;
        }
        line.replace(wordStart, cursor, insert);
        return wordStart + insert.length();
    }

    /** Draws the line again in place: prompt, text, erase the rest, cursor back to its place. */
    private void redraw(String prompt, StringBuilder line, int cursor) {
        StringBuilder s = new StringBuilder("\r").append(prompt).append(line).append("\033[K");
        int back = line.length() - cursor;
        if (back > 0) {
            s.append("\033[").append(back).append('D');
        }
        out.print(s);
        out.flush();
    }

    private void remember(String line) {
        if (line.isBlank() || !history.isEmpty() && history.get(history.size() - 1).equals(line)) {
            return;
        }
        history.add(line);
        if (history.size() > HISTORY_MAX) {
            history.remove(0);
        }
        if (historyFile == null) {
            return;
        }
        try {
            if (!Files.exists(historyFile)) {
                Files.createFile(historyFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(historyFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("vmm: cannot write the history " + historyFile + ": " + e.getMessage());
        }
    }
}
