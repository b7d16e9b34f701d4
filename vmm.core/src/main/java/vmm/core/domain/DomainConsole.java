package vmm.core.domain;

/**
 * A connection to a running domain's serial console (virsh's {@code console}): the guest's
 * output goes to the stream given when it was opened, {@link #send} types into the guest.
 */
public interface DomainConsole extends AutoCloseable {

    /** Sends bytes to the guest's serial port, as if typed. */
    void send(byte[] data, int offset, int length);

    /** Detaches; the guest keeps running. */
    @Override
    void close();
}
