package vmm.core.block;

import java.io.IOException;

/** A format that names a backing file (qcow2). */
public interface Rebasable {

    /**
     * Rewrites the backing file reference only (what {@code rebase -u} does); the caller is
     * responsible for copying data when the old and new backing files differ.
     *
     * @param backingFile   new backing file name, or null to remove it
     * @param backingFormat its format, or null
     */
    void setBacking(String backingFile, String backingFormat) throws IOException;
}
