package vmm.shell.img;

/** A verb failed; the message is for the user, the status is the process exit status. */
final class ImgException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    ImgException(String message) {
        this(message, 1);
    }

    ImgException(String message, int status) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
