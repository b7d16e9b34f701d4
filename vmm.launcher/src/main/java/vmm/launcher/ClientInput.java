package vmm.launcher;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What a client types, as the daemon session's input: filled from the client's STDIN frames
 * by a reader thread; an empty frame or a lost connection is the end of input.
 */
final class ClientInput extends InputStream {
    private static final byte[] END = new byte[0];

    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    /** Starts reading the client's frames that follow its request. */
    static ClientInput from(DataInputStream in) {
        ClientInput input = new ClientInput();
        Thread.ofVirtual().name("vmm-daemon-client-input").start(() -> {
            try {
                while (true) {
                    int type = in.readUnsignedByte();
                    int len = in.readInt();
                    if (type != DaemonProtocol.STDIN || len < 0 || len > 1 << 20) {
                        break;
                    }
                    if (len == 0) {
                        break;
                    }
                    input.chunks.add(in.readNBytes(len));
                }
            } catch (IOException e) {
                // The client closed its side: the end of its input.
            }
            input.chunks.add(END);
        });
        return input;
    }

    @Override
    public synchronized int available() {
        if (pos < current.length) {
            return current.length - pos;
        }
        byte[] next = chunks.peek();
        // The end of input counts as readable: read() then says -1 without blocking.
        return next == null ? 0 : Math.max(1, next.length);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos >= current.length) {
            if (ended) {
                return -1;
            }
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            pos = 0;
            if (current == END) {
                ended = true;
                return -1;
            }
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }
}
