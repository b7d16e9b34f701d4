package vmm.core.block;

import java.util.Map;

/**
 * What to create: a size and the format's own options, spelled as qemu-img's {@code -o}
 * keys ({@code cluster_size}, {@code compat}, {@code refcount_bits}, {@code backing_file},
 * {@code backing_fmt}, {@code lazy_refcounts}, {@code extended_l2}, {@code compression_type},
 * {@code data_file}, {@code encrypt.format}, {@code encrypt.key-secret}...).
 * Unknown keys are an error that names the key.
 *
 * @param size    virtual size in bytes; 0 means take the backing file's size
 * @param options format options as strings
 */
public record CreateOptions(long size, Map<String, String> options) {

    public CreateOptions {
        options = Map.copyOf(options);
    }

    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }
}
