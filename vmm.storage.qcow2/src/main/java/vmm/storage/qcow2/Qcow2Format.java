package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CorruptImageException;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;

/** The qcow2 format (versions 2 and 3), interoperable with QEMU's. */
@Component(service = BlockFormat.class, property = "vmm.block.format=qcow2")
public class Qcow2Format implements BlockFormat {

    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Format.class);

    public Qcow2Format() {
        // Needed by DS and ServiceLoader.
    }

    @Override
    public String name() {
        return "qcow2";
    }

    @Override
    public int probe(byte[] header) {
        return header.length >= 4 && ByteBuffer.wrap(header).getInt(0) == Qcow2Header.MAGIC ? 100 : 0;
    }

    @Override
    public BlockImage open(Path path, OpenOptions options, BlockFormats formats) throws IOException {
        ImageFile file = ImageFile.open(path, options.readOnly());
        file.setDurable(!options.cacheUnsafe());
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(file);
        try {
            Qcow2Header h = readHeader(file);
            checkFeatures(h, path, options);
            ImageFile dataFile = file;
            if (h.hasDataFile()) {
                String name = h.dataFile();
                if (name == null) {
                    throw new CorruptImageException(path + ": external data file feature set but no data file named");
                }
                dataFile = ImageFile.open(resolve(path, name), options.readOnly());
                dataFile.setDurable(!options.cacheUnsafe());
                opened.add(dataFile);
            }
            BlockImage backing = null;
            if (h.backingFile != null && !options.noBacking()) {
                if (h.hasDataFile() && (h.autoclearFeatures & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW) != 0) {
                    throw new CorruptImageException(path + ": a raw external data file cannot have a backing file");
                }
                Path backingPath = resolve(path, h.backingFile);
                try {
                    backing = formats.open(backingPath, h.backingFormat(), options.forBacking());
                } catch (CorruptImageException e) {
                    throw e;
                } catch (IOException e) {
                    throw new IOException(path + ": cannot open backing file " + backingPath + ": " + e.getMessage(), e);
                }
                opened.add(backing);
            }
            DataEncryption enc = null;
            if (h.cryptMethod == Qcow2Header.CRYPT_LUKS) {
                enc = LuksSupport.open(file, h, options.passphrase());
            }
            Qcow2Image img = new Qcow2Image(file, dataFile, h, backing, enc);
            if (!options.readOnly()) {
                afterOpenReadWrite(img);
            }
            return img;
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : opened.reversed()) {
                try {
                    c.close();
                } catch (Exception ce) {
                    e.addSuppressed(ce);
                }
            }
            throw e;
        }
    }

    static Path resolve(Path image, String name) {
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return p;
        }
        Path dir = image.toAbsolutePath().getParent();
        return dir == null ? p : dir.resolve(p);
    }

    static Qcow2Header readHeader(ImageFile file) throws IOException {
        long size = file.size();
        ByteBuffer first = ByteBuffer.allocate((int) Math.min(size, 4096));
        file.readZeroPadded(0, first);
        if (first.capacity() < Qcow2Header.V2_LENGTH) {
            throw new CorruptImageException(file.path() + ": file too short for a qcow2 header");
        }
        int clusterBits = first.getInt(20);
        if (first.getInt(0) != Qcow2Header.MAGIC || clusterBits < 9 || clusterBits > 21) {
            return Qcow2Header.parse(first.array(), file.path(), size);
        }
        ByteBuffer cluster = ByteBuffer.allocate((int) Math.min(size, 1L << clusterBits));
        file.readZeroPadded(0, cluster);
        return Qcow2Header.parse(cluster.array(), file.path(), size);
    }

    private static void checkFeatures(Qcow2Header h, Path path, OpenOptions options) throws IOException {
        long unknown = h.incompatibleFeatures & ~Qcow2Header.INCOMPAT_KNOWN;
        if (unknown != 0) {
            List<String> names = new ArrayList<>();
            for (int bit = 0; bit < 64; bit++) {
                if ((unknown & (1L << bit)) != 0) {
                    names.add(h.incompatibleFeatureName(bit));
                }
            }
            throw new CorruptImageException(path + ": unsupported qcow2 feature(s): " + String.join(", ", names));
        }
        if ((h.incompatibleFeatures & Qcow2Header.INCOMPAT_CORRUPT) != 0 && !options.readOnly()) {
            throw new CorruptImageException(path + ": image is marked corrupt; it can only be opened read-only");
        }
        if (h.cryptMethod == Qcow2Header.CRYPT_AES) {
            throw new IOException(path + ": legacy AES encryption is not supported (convert the image with qemu-img)");
        }
        if (h.cryptMethod > Qcow2Header.CRYPT_LUKS || h.cryptMethod < 0) {
            throw new CorruptImageException(path + ": unknown encryption method " + h.cryptMethod);
        }
        if (h.hasDataFile() && h.backingFile != null
                && (h.autoclearFeatures & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW) != 0) {
            throw new CorruptImageException(path + ": data_file_raw conflicts with a backing file");
        }
    }

    private static void afterOpenReadWrite(Qcow2Image img) throws IOException {
        Qcow2Header h = img.header;
        boolean rewrite = false;
        if ((h.incompatibleFeatures & Qcow2Header.INCOMPAT_DIRTY) != 0) {
            LOG.info("{}: dirty bit set (lazy refcounts), rebuilding refcounts", img.path());
            img.meta.lock();
            try {
                var report = new Qcow2Checker(img).check(true, true);
                if (report.corruptions() > 0) {
                    throw new CorruptImageException(img.path() + ": refcount rebuild left " + report.corruptions()
                            + " errors");
                }
            } finally {
                img.map.resetActive();
                img.meta.unlock();
            }
            h.incompatibleFeatures &= ~Qcow2Header.INCOMPAT_DIRTY;
            img.resetDirtyBit();
            rewrite = true;
        }
        long keepAutoclear = h.autoclearFeatures & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW;
        if (keepAutoclear != h.autoclearFeatures) {
            // Bits we do not maintain (e.g. bitmaps) must be cleared before we write, so readers know they are stale.
            h.autoclearFeatures = keepAutoclear;
            rewrite = true;
        }
        if (rewrite) {
            img.writeHeader();
        }
    }

    @Override
    public void create(Path path, CreateOptions options, BlockFormats formats) throws IOException {
        new Qcow2Creator(path, options, formats, this).create();
    }
}
