package vmm.core.block;

import java.io.IOException;
import java.util.List;

/** A format that keeps internal snapshots (qcow2). Reach it with {@code instanceof}. */
public interface Snapshottable {

    List<ImageInfo.SnapshotInfo> listSnapshots() throws IOException;

    /** Records the current disk state under {@code name}; the name must be unused. */
    void createSnapshot(String name) throws IOException;

    /** Reverts the disk to the snapshot with this id or name. */
    void applySnapshot(String idOrName) throws IOException;

    void deleteSnapshot(String idOrName) throws IOException;
}
