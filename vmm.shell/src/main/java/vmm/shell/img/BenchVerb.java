package vmm.shell.img;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import vmm.core.block.BlockImage;

/**
 * {@code bench}: qemu-img bench's workload (count requests of one size, {@code -d} in flight,
 * each at the previous offset plus the step, wrapping at the end of the disk) so that the two
 * tools can be compared request for request.
 */
final class BenchVerb implements ImgTool.Verb {

    @Override
    public String usage() {
        return "bench [-c count] [-d depth] [-f fmt] [-o offset] [-s size] [-S step] [-w] [--pattern=N] [--flush-interval=N] [-q] file";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("bench", argv, Set.of("-c", "-d", "-f", "-o", "-s", "-S", "-t", "-i", "--pattern",
                "--flush-interval", "--object"), Set.of("-w", "-q", "-n", "--no-drain", "-U"));
        String file = a.positional(0, "file name", "bench");
        long count = Long.parseLong(a.get("-c", "75000"));
        int depth = Integer.parseInt(a.get("-d", "64"));
        long offset = Sizes.parse(a.get("-o", "0"));
        int size = (int) Sizes.parse(a.get("-s", "4096"));
        long step = a.has("-S") ? Sizes.parse(a.get("-S")) : size;
        boolean write = a.has("-w");
        byte pattern = (byte) Integer.parseInt(a.get("--pattern", "0"));
        long flushEvery = Long.parseLong(a.get("--flush-interval", "0"));
        if (depth < 1 || depth > 1024 || size < 1 || count < 0) {
            throw new ImgException("depth must be 1..1024, size positive, count not negative");
        }
        try (BlockImage img = ImageSource.open(tool, file, a.get("-f"), write, a)) {
            if (offset + size > img.size()) {
                throw new ImgException("offset " + offset + " + size " + size + " is past the end of the image (" + img.size() + ")");
            }
            if (!a.has("-q")) {
                tool.out.printf("Sending %d %s requests, %d bytes each, %d in parallel (starting at offset %d, step size %d)%n",
                        count, write ? "write" : "read", size, depth, offset, step);
            }
            long wrap = img.size();
            AtomicLong next = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(depth, r -> {
                Thread t = new Thread(r, "img-bench");
                t.setDaemon(true);
                return t;
            });
            long start = System.nanoTime();
            try {
                Future<?>[] workers = new Future<?>[depth];
                for (int w = 0; w < depth; w++) {
                    workers[w] = pool.submit(() -> {
                        ByteBuffer buf = ByteBuffer.allocate(size);
                        if (write) {
                            java.util.Arrays.fill(buf.array(), pattern);
                        }
                        for (long i; (i = next.getAndIncrement()) < count;) {
                            // Request i sits where qemu-img 7.2 bench puts it: offset + i*step, wrapped
                            // at the image size (a request that would cross the end starts at 0).
                            long at = Math.floorMod(offset + Math.floorMod(i * step, wrap), wrap);
                            if (at > wrap - size) {
                                at = 0;
                            }
                            buf.clear();
                            if (write) {
                                img.write(at, buf);
                                if (flushEvery > 0 && (i + 1) % flushEvery == 0) {
                                    img.flush();
                                }
                            } else {
                                img.read(at, buf);
                            }
                        }
                        return null;
                    });
                }
                for (Future<?> f : workers) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("bench interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            tool.out.printf(Locale.ROOT, "Run completed in %.3f seconds.%n", seconds);
            // As qemu-img bench: the timed run ends when the requests complete; the data is made
            // durable afterwards, outside the measurement.
            if (write) {
                img.flush();
            }
        }
        return 0;
    }
}
