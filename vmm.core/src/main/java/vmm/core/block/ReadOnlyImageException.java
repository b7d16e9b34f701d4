package vmm.core.block;

import java.io.IOException;

/** A write reached an image opened read-only. */
public class ReadOnlyImageException extends IOException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyImageException(String image) {
        super(image + ": image is opened read-only");
    }
}
