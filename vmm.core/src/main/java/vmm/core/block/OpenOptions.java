package vmm.core.block;

/**
 * How to open an image.
 *
 * @param readOnly      refuse writes; the file is opened read-only
 * @param passphrase    secret for encrypted images, or null
 * @param noBacking     do not open the backing chain (reads of unallocated ranges then fail)
 * @param maxChainDepth the deepest backing chain accepted, to stop loops and runaway chains
 * @param cacheUnsafe   {@link BlockImage#flush()} and close do not wait for the disk (QEMU's
 *                      {@code cache=unsafe}): writes still reach the file in the order that
 *                      keeps metadata consistent if the process dies, but not if the host
 *                      loses power. For tools writing a new image (qemu-img convert's default)
 */
public record OpenOptions(boolean readOnly, String passphrase, boolean noBacking, int maxChainDepth,
        boolean cacheUnsafe) {

    public OpenOptions(boolean readOnly, String passphrase, boolean noBacking, int maxChainDepth) {
        this(readOnly, passphrase, noBacking, maxChainDepth, false);
    }

    public static final int DEFAULT_MAX_CHAIN_DEPTH = 64;

    public static OpenOptions readWrite() {
        return new OpenOptions(false, null, false, DEFAULT_MAX_CHAIN_DEPTH);
    }

    public static OpenOptions readOnlyImage() {
        return new OpenOptions(true, null, false, DEFAULT_MAX_CHAIN_DEPTH);
    }

    public OpenOptions withPassphrase(String secret) {
        return new OpenOptions(readOnly, secret, noBacking, maxChainDepth, cacheUnsafe);
    }

    public OpenOptions withReadOnly(boolean ro) {
        return new OpenOptions(ro, passphrase, noBacking, maxChainDepth, cacheUnsafe);
    }

    public OpenOptions withNoBacking(boolean none) {
        return new OpenOptions(readOnly, passphrase, none, maxChainDepth, cacheUnsafe);
    }

    /** One level deeper into a backing chain: backing files are always opened read-only. */
    public OpenOptions forBacking() {
        return new OpenOptions(true, passphrase, noBacking, maxChainDepth - 1);
    }

    public OpenOptions withCacheUnsafe(boolean unsafe) {
        return new OpenOptions(readOnly, passphrase, noBacking, maxChainDepth, unsafe);
    }
}
