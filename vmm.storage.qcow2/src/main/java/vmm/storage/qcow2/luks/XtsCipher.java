package vmm.storage.qcow2.luks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-XTS (IEEE 1619) over 512-byte sectors, built on AES/ECB because the JDK has no XTS.
 * The key is two AES keys of equal size: 32 bytes gives AES-128-XTS, 64 bytes AES-256-XTS
 * (LUKS {@code key-bytes} and qemu-img's {@code aes-128}/{@code aes-256}). The tweak of a
 * sector is the IV generated from its sector number: {@code plain64} is the number as a
 * 64-bit little-endian value, {@code plain} its low 32 bits, zero-padded to 16 bytes.
 *
 * <p>Thread-safe: JDK Cipher objects are not, so each call borrows a set from a pool.
 */
public final class XtsCipher implements SectorCipher {

    /** How the 16-byte initial tweak is derived from the sector number (dm-crypt names). */
    public enum IvMode {
        PLAIN("plain"), PLAIN64("plain64");

        private final String spec;

        IvMode(String spec) {
            this.spec = spec;
        }

        public String spec() {
            return spec;
        }

        /** The mode for a dm-crypt IV generator name, or null when unsupported. */
        public static IvMode fromSpec(String spec) {
            for (IvMode m : values()) {
                if (m.spec.equals(spec)) {
                    return m;
                }
            }
            return null;
        }
    }

    private static final VarHandle LE_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK = 16;
    // Bounds the scratch memory per borrowed engine while still batching many sectors into
    // one ECB call, which is where the speed comes from.
    private static final int CHUNK = 64 * 1024;

    private final SecretKeySpec dataKey;
    private final SecretKeySpec tweakKey;
    private final IvMode ivMode;
    private final ConcurrentLinkedQueue<Engines> pool = new ConcurrentLinkedQueue<>();

    public XtsCipher(byte[] key, IvMode ivMode) {
        if (key.length != 32 && key.length != 64) {
            throw new IllegalArgumentException("XTS key must be 32 or 64 bytes, not " + key.length);
        }
        int half = key.length / 2;
        this.dataKey = new SecretKeySpec(key, 0, half, "AES");
        this.tweakKey = new SecretKeySpec(key, half, half, "AES");
        this.ivMode = Objects.requireNonNull(ivMode);
    }

    public IvMode ivMode() {
        return ivMode;
    }

    @Override
    public void encrypt(long sectorNumber, byte[] buf, int off, int len) {
        run(true, sectorNumber, buf, off, len);
    }

    @Override
    public void decrypt(long sectorNumber, byte[] buf, int off, int len) {
        run(false, sectorNumber, buf, off, len);
    }

    private void run(boolean encrypt, long sector, byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("length " + len + " is not a multiple of " + SECTOR_SIZE);
        }
        Engines e = pool.poll();
        if (e == null) {
            e = new Engines(dataKey, tweakKey);
        }
        try {
            for (int done = 0; done < len; done += CHUNK) {
                int n = Math.min(CHUNK, len - done);
                chunk(e, encrypt, sector + done / SECTOR_SIZE, buf, off + done, n);
            }
        } catch (GeneralSecurityException ex) {
            // ECB/NoPadding on block-aligned input with a valid AES key cannot fail.
            throw new IllegalStateException("AES failed", ex);
        } finally {
            pool.offer(e);
        }
    }

    private void chunk(Engines e, boolean encrypt, long firstSector, byte[] buf, int off, int len)
            throws GeneralSecurityException {
        int sectors = len / SECTOR_SIZE;
        byte[] tw = e.tweaks;
        // Initial tweaks: encrypt every sector's IV in one ECB call, then expand each into the
        // per-block tweaks by multiplying by alpha in GF(2^128).
        Arrays.fill(tw, 0, sectors * BLOCK, (byte) 0);
        for (int s = 0; s < sectors; s++) {
            long iv = firstSector + s;
            LE_LONG.set(tw, s * BLOCK, ivMode == IvMode.PLAIN ? iv & 0xFFFF_FFFFL : iv);
        }
        e.tweak.doFinal(tw, 0, sectors * BLOCK, tw, 0);
        for (int s = sectors - 1; s >= 0; s--) {
            long lo = (long) LE_LONG.get(tw, s * BLOCK);
            long hi = (long) LE_LONG.get(tw, s * BLOCK + 8);
            int base = s * SECTOR_SIZE;
            for (int b = 0; b < SECTOR_SIZE; b += BLOCK) {
                LE_LONG.set(tw, base + b, lo);
                LE_LONG.set(tw, base + b + 8, hi);
                long carry = hi >> 63;
                hi = (hi << 1) | (lo >>> 63);
                lo = (lo << 1) ^ (carry & 0x87);
            }
        }
        xor(buf, off, tw, len);
        (encrypt ? e.encrypt : e.decrypt).doFinal(buf, off, len, buf, off);
        xor(buf, off, tw, len);
    }

    private static void xor(byte[] buf, int off, byte[] tw, int len) {
        for (int i = 0; i < len; i += 8) {
            LE_LONG.set(buf, off + i, (long) LE_LONG.get(buf, off + i) ^ (long) LE_LONG.get(tw, i));
        }
    }

    private static final class Engines {
        final Cipher encrypt;
        final Cipher decrypt;
        final Cipher tweak;
        final byte[] tweaks = new byte[CHUNK];

        Engines(SecretKeySpec dataKey, SecretKeySpec tweakKey) {
            try {
                encrypt = Cipher.getInstance("AES/ECB/NoPadding");
                encrypt.init(Cipher.ENCRYPT_MODE, dataKey);
                decrypt = Cipher.getInstance("AES/ECB/NoPadding");
                decrypt.init(Cipher.DECRYPT_MODE, dataKey);
                tweak = Cipher.getInstance("AES/ECB/NoPadding");
                tweak.init(Cipher.ENCRYPT_MODE, tweakKey);
            } catch (GeneralSecurityException ex) {
                throw new IllegalStateException("JDK lacks AES/ECB/NoPadding", ex);
            }
        }
    }
}
