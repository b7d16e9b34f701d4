package vmm.core.loader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A kernel command line as the kernel reads it: UTF-8 bytes and a terminating NUL. A line the
 * kernel would truncate is rejected instead, since a silently cut "root=" or "console=" makes
 * a guest fail far from the cause.
 */
final class CommandLine {

    private CommandLine() {
    }

    /**
     * @param maxLength bytes allowed before the NUL
     * @param limitName what sets that limit, for the message
     */
    static byte[] bytes(Path kernel, String commandLine, long maxLength, String limitName) throws KernelLoadException {
        byte[] text = commandLine.getBytes(StandardCharsets.UTF_8);
        for (byte b : text) {
            if (b == 0) {
                throw new KernelLoadException(kernel, "the command line contains a NUL byte, which would cut it short");
            }
        }
        long limit = Math.min(maxLength, LowMemoryLayout.COMMAND_LINE_MAX - 1);
        if (text.length > limit) {
            throw new KernelLoadException(kernel, "the command line is " + text.length + " bytes, longer than the "
                    + limit + " allowed by " + limitName);
        }
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return withNul;
    }
}
