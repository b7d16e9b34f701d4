package vmm.shell.img;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

import vmm.core.block.BlockImage;
import vmm.core.block.CompressedWriter;
import vmm.core.block.CreateOptions;
import vmm.core.block.Extent;

/**
 * {@code convert}: copies the guest-visible content of one or more images (concatenated) into
 * a new image of any format. Ranges that read as zeroes are not written, so the output stays
 * sparse; with {@code -B}, ranges equal to the new backing file are not written either.
 * Chunks are copied by several threads at once ({@code -m}, default 8, as qemu-img).
 */
final class ConvertVerb implements ImgTool.Verb {
    private static final int CHUNK = 1 << 20;
    /**
     * One direct buffer per copy thread: file channels copy heap buffers through a temporary
     * direct one, which costs a second memcpy of every chunk.
     */
    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

    @Override
    public String usage() {
        return "convert [-f fmt] [-O fmt] [-o opt=val,...] [-B backing [-F backing_fmt]] [-c] [-p] [-n] [-m threads] [-t cache] [-q] src... dst";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("convert", argv, Set.of("-f", "-O", "-o", "-B", "-F", "-m", "-t", "-T", "--object"),
                Set.of("-c", "-p", "-n", "-q", "-W", "-U"));
        List<String> names = a.positional();
        if (names.size() < 2) {
            throw new ImgException("needs a source and a destination");
        }
        String dst = names.get(names.size() - 1);
        int threads = Integer.parseInt(a.get("-m", "8"));
        if (threads < 1 || threads > 64) {
            throw new ImgException("-m must be between 1 and 64");
        }
        List<BlockImage> sources = new ArrayList<>();
        try {
            long total = 0;
            for (String src : names.subList(0, names.size() - 1)) {
                BlockImage img = ImageSource.open(tool, src, a.get("-f"), false, a);
                sources.add(img);
                total += img.size();
            }
            String outFormat = a.get("-O", "raw");
            if (!a.has("-n")) {
                if (Files.exists(Path.of(dst))) {
                    Files.delete(Path.of(dst));
                }
                Map<String, String> options = new TreeMap<>(a.createOptions());
                if (a.has("-B")) {
                    options.put("backing_file", a.get("-B"));
                    if (a.has("-F")) {
                        options.put("backing_fmt", a.get("-F"));
                    }
                }
                if (options.containsKey("encrypt.key-secret")) {
                    options.put("encrypt.key-secret", ImageSource.passphrase(a));
                }
                ImageSource.format(tool, outFormat).create(Path.of(dst), new CreateOptions(total, options), tool.formats);
            }
            // qemu-img convert writes its output with cache=unsafe unless -t says otherwise.
            boolean unsafe = a.get("-t", "unsafe").equals("unsafe");
            try (BlockImage out = ImageSource.open(tool, dst, outFormat, true, a, unsafe)) {
                if (out.size() < total) {
                    throw new ImgException("destination " + dst + " holds " + out.size() + " bytes, the sources " + total);
                }
                CompressedWriter compressor = null;
                int cluster = out.info().clusterSize();
                if (a.has("-c")) {
                    if (!(out instanceof CompressedWriter cw) || cluster <= 0) {
                        throw new ImgException("format " + outFormat + " cannot store compressed data");
                    }
                    compressor = cw;
                }
                Progress progress = new Progress(tool.out, a.has("-p") && !a.has("-q"), total);
                copy(sources, out, compressor, cluster, a.has("-n"), a.has("-B"), threads, progress);
                out.flush();
                progress.finish();
            }
        } finally {
            for (BlockImage img : sources) {
                img.close();
            }
        }
        return 0;
    }

    private static void copy(List<BlockImage> sources, BlockImage out, CompressedWriter compressor, int cluster,
            boolean existing, boolean backed, int threads, Progress progress) throws IOException {
        // Compressed clusters are written whole: chunks then start on cluster boundaries.
        int chunk = compressor == null ? CHUNK : Math.max(cluster, CHUNK / cluster * cluster);
        // Zero detection works on clusters of the output (compressed writes must stay whole).
        int granule = cluster > 0 && chunk % cluster == 0 ? cluster : 4096;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "img-convert");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(threads * 2);
        List<Future<?>> pending = new ArrayList<>();
        try {
            long base = 0;
            for (BlockImage src : sources) {
                long pos = 0;
                while (pos < src.size()) {
                    Extent e = src.mapExtent(pos, Math.min(chunk, src.size() - pos));
                    long len = Math.min(e.length(), chunk - (pos % chunk));
                    long at = pos;
                    long outAt = base + pos;
                    boolean zero = e.zero() && !e.data();
                    inFlight.acquireUninterruptibly();
                    pending.add(pool.submit(() -> {
                        try {
                            copyRange(src, at, out, outAt, (int) len, zero, compressor, existing, backed, granule);
                            progress.advance(len);
                            return null;
                        } finally {
                            inFlight.release();
                        }
                    }));
                    pos += len;
                    drainDone(pending);
                }
                base += src.size();
            }
            for (Future<?> f : pending) {
                await(f);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void drainDone(List<Future<?>> pending) throws IOException {
        for (var it = pending.iterator(); it.hasNext();) {
            Future<?> f = it.next();
            if (f.isDone()) {
                await(f);
                it.remove();
            }
        }
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("convert interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private static void copyRange(BlockImage src, long at, BlockImage out, long outAt, int len, boolean zero,
            CompressedWriter compressor, boolean existing, boolean backed, int granule) throws IOException {
        if (zero) {
            // A fresh image reads as zeroes already; an existing one (-n) or one whose new
            // backing file shows through (-B) must be told.
            if (existing || backed) {
                out.writeZeroes(outAt, len);
            }
            return;
        }
        ByteBuffer buf = BUFFERS.get();
        if (buf.capacity() < len) {
            buf = ByteBuffer.allocateDirect(len);
            BUFFERS.set(buf);
        }
        buf.clear().limit(len);
        src.read(at, buf);
        buf.flip();
        if (backed && equalsBacking(out, outAt, buf)) {
            return;
        }
        if (existing || backed) {
            write(out, outAt, buf, compressor);
            return;
        }
        // A fresh image reads as zeroes: write only the runs of granules that hold data, so
        // zeroes inside a data chunk do not allocate clusters either (as qemu-img does).
        int run = -1;
        for (int g = 0;; g += granule) {
            boolean end = g >= len;
            boolean data = !end && !isZero(buf.slice(g, Math.min(granule, len - g)));
            if (data && run < 0) {
                run = g;
            } else if (!data && run >= 0) {
                write(out, outAt + run, buf.slice(run, Math.min(g, len) - run), compressor);
                run = -1;
            }
            if (end) {
                return;
            }
        }
    }

    private static void write(BlockImage out, long at, ByteBuffer data, CompressedWriter compressor) throws IOException {
        if (compressor != null) {
            compressor.writeCompressed(at, data);
        } else {
            out.write(at, data);
        }
    }

    /** With -B, the output reads its new backing file where nothing is written yet. */
    private static boolean equalsBacking(BlockImage out, long at, ByteBuffer data) throws IOException {
        ByteBuffer current = ByteBuffer.allocate(data.remaining());
        out.read(at, current);
        return current.flip().equals(data.duplicate());
    }

    static boolean isZero(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate();
        while (b.remaining() >= 8) {
            if (b.getLong() != 0) {
                return false;
            }
        }
        while (b.hasRemaining()) {
            if (b.get() != 0) {
                return false;
            }
        }
        return true;
    }
}
