package vmm.core.block;

/**
 * A run of guest bytes stored the same way.
 *
 * @param offset      guest offset of the run
 * @param length      bytes in the run
 * @param data        true when the bytes are stored in this image or a backing file
 * @param zero        true when the run reads as zeroes
 * @param depth       0 for this image, 1 for its backing file, and so on
 * @param hostOffset  offset in the file that holds the data, or -1 when there is none
 *                    (zero, unallocated or compressed)
 */
public record Extent(long offset, long length, boolean data, boolean zero, int depth, long hostOffset) {
}
