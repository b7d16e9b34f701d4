package vmm.core.block;

import java.io.IOException;

/**
 * The image's metadata is inconsistent or hostile. The message names the image and what is
 * wrong with it; nothing was written to the image when this was thrown.
 */
public class CorruptImageException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptImageException(String message) {
        super(message);
    }

    public CorruptImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
