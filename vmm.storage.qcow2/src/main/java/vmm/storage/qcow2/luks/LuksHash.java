package vmm.storage.qcow2.luks;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The LUKS1 {@code hash-spec} values this package understands. One hash drives both PBKDF2
 * (for key slots and the master key digest) and the anti-forensic diffusion, as the spec says.
 */
public enum LuksHash {
    SHA1("sha1", "SHA-1", "HmacSHA1", 20),
    SHA256("sha256", "SHA-256", "HmacSHA256", 32),
    SHA512("sha512", "SHA-512", "HmacSHA512", 64);

    private final String spec;
    private final String digestAlgorithm;
    private final String macAlgorithm;
    private final int digestLength;

    LuksHash(String spec, String digestAlgorithm, String macAlgorithm, int digestLength) {
        this.spec = spec;
        this.digestAlgorithm = digestAlgorithm;
        this.macAlgorithm = macAlgorithm;
        this.digestLength = digestLength;
    }

    /** The name as written in the LUKS header and in qemu-img's {@code hash-alg} option. */
    public String spec() {
        return spec;
    }

    public String macAlgorithm() {
        return macAlgorithm;
    }

    public int digestLength() {
        return digestLength;
    }

    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(digestAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            // Every JDK must ship these digests; reaching this means a broken runtime.
            throw new IllegalStateException("JDK lacks " + digestAlgorithm, e);
        }
    }

    /** The hash for a header's spec string, or null when it is not one we support. */
    public static LuksHash fromSpec(String spec) {
        for (LuksHash h : values()) {
            if (h.spec.equals(spec)) {
                return h;
            }
        }
        return null;
    }
}
