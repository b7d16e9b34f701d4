package vmm.core.block;

import java.io.IOException;

/** A format whose image can drop all its own data, reading through to its backing file again. */
public interface Emptiable {

    /** Deallocates every cluster of this image (not of its backing chain). */
    void makeEmpty() throws IOException;
}
