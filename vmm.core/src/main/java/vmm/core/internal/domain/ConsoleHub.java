package vmm.core.internal.domain;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainConsole;
import vmm.core.domain.DomainException;

/**
 * A domain's COM1: guest output goes to its log file and to the attached console (virsh
 * console) if any; what the attached console sends is the guest's input.
 */
final class ConsoleHub extends OutputStream {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleHub.class);

    private final OutputStream log;
    private final LinkedBlockingQueue<byte[]> typed = new LinkedBlockingQueue<>();
    private volatile OutputStream attached;

    ConsoleHub(OutputStream log) {
        this.log = log;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        log.write(b, off, len);
        log.flush();
        OutputStream a = attached;
        if (a != null) {
            try {
                a.write(b, off, len);
                a.flush();
            } catch (IOException e) {
                // The viewer went away; the guest must not notice.
                LOG.info("console viewer detached: {}", e.toString());
                attached = null;
            }
        }
    }

    @Override
    public void close() throws IOException {
        log.close();
    }

    /**
     * The guest's input: blocks until something is typed; interrupting the reader (the
     * machine stopping its console pump) ends the stream.
     */
    InputStream input() {
        return new InputStream() {
            private byte[] current = new byte[0];
            private int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= current.length) {
                    try {
                        current = typed.take();
                        pos = 0;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    synchronized DomainConsole attach(OutputStream out) throws DomainException {
        if (attached != null) {
            throw new DomainException(DomainException.Kind.INVALID_OPERATION,
                    "Operation not supported: Active console session exists for this domain");
        }
        attached = out;
        return new DomainConsole() {
            @Override
            public void send(byte[] data, int offset, int length) {
                typed.add(Arrays.copyOfRange(data, offset, offset + length));
            }

            @Override
            public void close() {
                synchronized (ConsoleHub.this) {
                    if (attached == out) {
                        attached = null;
                    }
                }
            }
        };
    }
}
