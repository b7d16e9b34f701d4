package vmm.core.block;

import java.io.IOException;

/** A format whose virtual size can change. */
public interface Resizable {

    /** Grows or shrinks the virtual disk; shrinking drops the data past the new end. */
    void resize(long newSize) throws IOException;
}
