package vmm.storage.qcow2.luks;

import java.util.Map;

/**
 * Choices for a new LUKS1 header.
 *
 * <p>QEMU calibrates PBKDF2 iterations to {@code iter-time} (2000 ms) on the creating host.
 * We use fixed counts instead so creation is deterministic and fast; {@link #DEFAULT_SLOT_ITERATIONS}
 * takes roughly 150 ms with the JDK's HMAC-SHA256 on the development host (measured: see the
 * report), and {@code iter-time}, when given, is turned into iterations at that fixed rate.
 *
 * @param keyBytes          32 (aes-128, XTS) or 64 (aes-256, XTS; QEMU's default)
 * @param hash              PBKDF2 and AF hash; QEMU's default is sha256
 * @param ivMode            plain64 (QEMU's default) or plain
 * @param slotIterations    PBKDF2 iterations for the passphrase
 * @param digestIterations  PBKDF2 iterations for the master key digest
 */
public record LuksCreateOptions(int keyBytes, LuksHash hash, XtsCipher.IvMode ivMode,
                                int slotIterations, int digestIterations) {

    /** LUKS and QEMU never go below this for either count. */
    public static final int MIN_ITERATIONS = 1000;
    public static final int DEFAULT_SLOT_ITERATIONS = 100_000;
    public static final int DEFAULT_DIGEST_ITERATIONS = DEFAULT_SLOT_ITERATIONS / 8;
    /** The fixed rate used to turn {@code iter-time} milliseconds into iterations. */
    public static final int ITERATIONS_PER_MS = DEFAULT_SLOT_ITERATIONS / 150;

    public LuksCreateOptions {
        if (keyBytes != 32 && keyBytes != 64) {
            throw new IllegalArgumentException("LUKS aes-xts key must be 32 or 64 bytes, not " + keyBytes);
        }
        if (hash == null || ivMode == null) {
            throw new IllegalArgumentException("hash and ivMode are required");
        }
        if (slotIterations < MIN_ITERATIONS || slotIterations > LuksHeader.MAX_ITERATIONS
                || digestIterations < MIN_ITERATIONS || digestIterations > LuksHeader.MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be within " + MIN_ITERATIONS + ".."
                    + LuksHeader.MAX_ITERATIONS);
        }
    }

    /** aes-256 xts-plain64 sha256, as {@code qemu-img create -o encrypt.format=luks} by default. */
    public static LuksCreateOptions defaults() {
        return new LuksCreateOptions(64, LuksHash.SHA256, XtsCipher.IvMode.PLAIN64,
                DEFAULT_SLOT_ITERATIONS, DEFAULT_DIGEST_ITERATIONS);
    }

    /**
     * From qemu-img's LUKS option names with the {@code encrypt.} prefix already removed:
     * {@code cipher-alg} (aes-128, aes-256), {@code cipher-mode} (xts), {@code ivgen-alg}
     * (plain64, plain), {@code hash-alg} (sha1, sha256, sha512), {@code iter-time} (ms).
     * {@code format} and {@code key-secret} are the caller's business and ignored here.
     *
     * @throws IllegalArgumentException naming the key for unknown keys or unsupported values
     */
    public static LuksCreateOptions fromQemuOptions(Map<String, String> options) {
        int keyBytes = 64;
        LuksHash hash = LuksHash.SHA256;
        XtsCipher.IvMode ivMode = XtsCipher.IvMode.PLAIN64;
        int slotIterations = DEFAULT_SLOT_ITERATIONS;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "format", "key-secret" -> { }
                case "cipher-alg" -> keyBytes = switch (v) {
                    case "aes-128" -> 32;
                    case "aes-256" -> 64;
                    default -> throw unsupported(e);
                };
                case "cipher-mode" -> {
                    if (!v.equals("xts")) {
                        throw unsupported(e);
                    }
                }
                case "ivgen-alg" -> {
                    ivMode = XtsCipher.IvMode.fromSpec(v);
                    if (ivMode == null) {
                        throw unsupported(e);
                    }
                }
                case "hash-alg" -> {
                    hash = LuksHash.fromSpec(v);
                    if (hash == null) {
                        throw unsupported(e);
                    }
                }
                case "iter-time" -> {
                    long ms;
                    try {
                        ms = Long.parseLong(v);
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException("encrypt.iter-time: not a number: '" + v + "'", ex);
                    }
                    if (ms < 1) {
                        throw unsupported(e);
                    }
                    slotIterations = Math.clamp(ms * ITERATIONS_PER_MS, MIN_ITERATIONS, LuksHeader.MAX_ITERATIONS);
                }
                default -> throw new IllegalArgumentException("unknown LUKS option encrypt." + e.getKey());
            }
        }
        return new LuksCreateOptions(keyBytes, hash, ivMode, slotIterations,
                Math.max(MIN_ITERATIONS, slotIterations / 8));
    }

    private static IllegalArgumentException unsupported(Map.Entry<String, String> e) {
        return new IllegalArgumentException("unsupported encrypt." + e.getKey() + " '" + e.getValue() + "'");
    }
}
