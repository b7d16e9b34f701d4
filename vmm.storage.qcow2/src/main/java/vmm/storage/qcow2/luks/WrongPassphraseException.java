package vmm.storage.qcow2.luks;

import java.io.IOException;

/** No active key slot of the LUKS header accepts the passphrase; the image was not touched. */
public class WrongPassphraseException extends IOException {
    private static final long serialVersionUID = 1L;

    public WrongPassphraseException(String message) {
        super(message);
    }
}
