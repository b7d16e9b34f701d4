package vmm.dev.virtio.serve;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;
import vmm.dev.virtio.device.VirtioBalloon;
import vmm.dev.virtio.device.VirtioBlk;
import vmm.dev.virtio.device.VirtioConsole;
import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.device.VirtioNet;
import vmm.dev.virtio.device.VirtioRng;
import vmm.dev.virtio.net.TestNetworkBackend;
import vmm.dev.virtio.vhost.VhostUserBackend;

/**
 * {@code vmm serve}: serves virtio devices over vhost-user on their own, as qemu-storage-daemon
 * does, with no OSGi framework (a plain class path of the product's bundles; disk formats are
 * found with ServiceLoader). Runs until interrupted (SIGINT/SIGTERM).
 */
public final class ServeTool {
    static final String USAGE = """
            usage: vmm serve DEVICE... [options]
              --vhost-user-blk SOCKET --image FILE [--format raw|qcow2] [--readonly] [--queues N] [--serial ID]
              --vhost-user-console SOCKET      guest console on this process's stdin/stdout
              --vhost-user-rng SOCKET
              --vhost-user-net SOCKET [--mac 52:54:00:12:34:56] [--pcap FILE] [--loop]
              --vhost-user-balloon SOCKET [--balloon-pages N]
            Options after a device apply to it. Exit status: 0 after SIGINT/SIGTERM, 1 on an
            error (named), 2 on a usage error.
            """;

    private ServeTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** A device and the options given after it. */
    record Spec(String kind, Path socket, java.util.Map<String, String> options) {
        String opt(String key, String def) {
            return options.getOrDefault(key, def);
        }
    }

    static List<Spec> parse(String[] args) {
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--vhost-user-")) {
                String kind = a.substring("--vhost-user-".length());
                if (!List.of("blk", "console", "rng", "net", "balloon").contains(kind)) {
                    throw new IllegalArgumentException("unknown device '" + kind + "' (blk, console, rng, net, balloon)");
                }
                specs.add(new Spec(kind, Path.of(value(args, ++i, a)), new java.util.LinkedHashMap<>()));
            } else if (a.startsWith("--")) {
                if (specs.isEmpty()) {
                    throw new IllegalArgumentException("option " + a + " before any --vhost-user-DEVICE");
                }
                String key = a.substring(2);
                boolean flag = key.equals("readonly") || key.equals("loop");
                specs.getLast().options().put(key, flag ? "true" : value(args, ++i, a));
            } else {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no device given");
        }
        return specs;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args[i];
    }

    /** Entry point for the launcher ({@code vmm serve ...}). */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.print(USAGE);
            return 0;
        }
        List<Spec> specs;
        try {
            specs = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("vmm serve: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        List<VhostUserBackend> backends = new ArrayList<>();
        List<VirtioDevice> devices = new ArrayList<>();
        try {
            for (Spec s : specs) {
                VirtioDevice d = create(s);
                devices.add(d);
                backends.add(VhostUserBackend.listen(d, s.socket(), s.kind() + "@" + s.socket().getFileName()));
                err.println("vmm serve: " + s.kind() + " on " + s.socket());
            }
        } catch (IOException | RuntimeException e) {
            err.println("vmm serve: " + e.getMessage());
            closeAll(backends, devices);
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeAll(backends, devices);
            stop.countDown();
        }));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static VirtioDevice create(Spec s) throws IOException {
        String name = s.kind() + "@" + s.socket().getFileName();
        return switch (s.kind()) {
            case "blk" -> {
                String image = s.options().get("image");
                if (image == null) {
                    throw new IllegalArgumentException("--vhost-user-blk needs --image FILE");
                }
                BlockFormats formats = BlockFormats.of(ServiceLoader.load(BlockFormat.class).stream()
                        .map(ServiceLoader.Provider::get).toArray(BlockFormat[]::new));
                boolean ro = Boolean.parseBoolean(s.opt("readonly", "false"));
                BlockImage img = formats.open(Path.of(image), s.options().get("format"),
                        ro ? OpenOptions.readOnlyImage() : OpenOptions.readWrite());
                yield new VirtioBlk(name, img, s.opt("serial", "vmm-" + Path.of(image).getFileName()),
                        Integer.parseInt(s.opt("queues", "1")), Integer.parseInt(s.opt("io-threads", "4")));
            }
            case "console" -> {
                VirtioConsole con = new VirtioConsole(name, b -> {
                    System.out.write(b, 0, b.length);
                    System.out.flush();
                });
                Thread.ofPlatform().daemon().name(name + "-stdin").start(() -> {
                    byte[] buf = new byte[4096];
                    try {
                        int n;
                        while ((n = System.in.read(buf)) > 0) {
                            con.send(java.util.Arrays.copyOf(buf, n));
                        }
                    } catch (IOException e) {
                        System.err.println("vmm serve: console input: " + e.getMessage());
                    }
                });
                yield con;
            }
            case "rng" -> new VirtioRng(name);
            case "net" -> {
                String pcap = s.options().get("pcap");
                yield new VirtioNet(name, VirtioNet.parseMac(s.opt("mac", "52:54:00:12:34:56")),
                        new TestNetworkBackend(pcap == null ? null : Path.of(pcap), Boolean.parseBoolean(s.opt("loop", "false"))));
            }
            case "balloon" -> new VirtioBalloon(name, Integer.parseInt(s.opt("balloon-pages", "0")));
            default -> throw new IllegalArgumentException("unknown device " + s.kind());
        };
    }

    private static void closeAll(List<VhostUserBackend> backends, List<VirtioDevice> devices) {
        for (VhostUserBackend b : backends) {
            try {
                b.close();
            } catch (IOException e) {
                System.err.println("vmm serve: " + e.getMessage());
            }
        }
        for (VirtioDevice d : devices) {
            d.close();
        }
    }

}
