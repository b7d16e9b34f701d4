package vmm.core.block;

import java.util.List;
import java.util.Map;

/**
 * What {@code img info} shows about an image.
 *
 * @param format          format name ({@code raw}, {@code qcow2})
 * @param virtualSize     bytes the guest sees
 * @param clusterSize     allocation unit, or 0 when the format has none
 * @param backingFile     backing file name as stored in the image, or null
 * @param backingFormat   backing format as stored, or null
 * @param snapshots       internal snapshots, oldest first
 * @param specific        format-specific facts (compat level, refcount bits, encryption...),
 *                        in a stable order
 */
public record ImageInfo(String format, long virtualSize, int clusterSize, String backingFile,
        String backingFormat, List<SnapshotInfo> snapshots, Map<String, Object> specific) {

    /** One internal snapshot as {@code qemu-img snapshot -l} lists it. */
    public record SnapshotInfo(String id, String name, long vmStateSize, long dateSeconds,
            long dateNanos, long vmClockNanos, long icount) {
    }
}
