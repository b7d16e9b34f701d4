package vmm.storage.qcow2;

/** How one cluster, or one subcluster with extended L2 entries, is stored. */
enum SubclusterKind {
    /** Not in this image: read from the backing file, or zeroes without one. */
    UNALLOCATED,
    /** Reads as zeroes whatever the backing file holds. */
    ZERO,
    /** Stored uncompressed at a host offset. */
    NORMAL,
    /** Stored compressed; the whole cluster at once. */
    COMPRESSED
}
