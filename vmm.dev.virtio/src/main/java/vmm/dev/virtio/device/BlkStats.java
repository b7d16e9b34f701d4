package vmm.dev.virtio.device;

/**
 * What a virtio-blk device has done since it was created: completed requests by type, as
 * libvirt's block statistics count them (rd_req, wr_req, flush_operations...).
 *
 * @param reads       successful read requests
 * @param writes      successful write requests
 * @param flushes     successful flush requests (each reached the image's flush)
 * @param discards    successful discard requests
 * @param writeZeroes successful write-zeroes requests
 * @param errors      requests answered with an I/O error or as unsupported
 */
public record BlkStats(long reads, long writes, long flushes, long discards, long writeZeroes, long errors) {
}
