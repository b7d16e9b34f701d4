package vmm.launcher;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Entry point of the product: {@code vmm} is the interactive shell, a client of the per-user
 * daemon that runs the framework and the domains (started on demand), {@code vmm -c ...} runs
 * commands and exits with their status, {@code vmm img ...} is the image tool. The launcher stays outside the framework and knows no bundle's classes.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("serve")) {
            // vhost-user device backends, like qemu-storage-daemon: no framework either.
            try {
                return runTool(distributionRoot(), "vmm.dev.virtio.serve.ServeTool", List.of(args).subList(1, args.length));
            } catch (LaunchException e) {
                System.err.println("vmm: " + e.getMessage());
                return 1;
            }
        }
        LaunchOptions options;
        try {
            options = LaunchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("vmm: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            System.out.print(LaunchOptions.USAGE);
            return 0;
        }
        try {
            Path dist = distributionRoot();
            if (options.imgArgs() != null) {
                return runTool(dist, "vmm.shell.img.ImgTool", options.imgArgs());
            }
            if (options.runArgs() != null) {
                // A guest runs without the framework too: starting Felix would only add startup time.
                return runTool(dist, "vmm.shell.run.RunTool", options.runArgs());
            }
            return runShell(dist, options);
        } catch (LaunchException e) {
            System.err.println("vmm: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Where commands run: the interactive shell always in the daemon (started on demand);
     * {@code -c} commands and scripts in the daemon when one runs for the state folder (or when
     * they start a domain, which must outlive this process), else in a framework of our own, so
     * that {@code help} or {@code list} need no daemon left behind.
     */
    private static int runShell(Path dist, LaunchOptions options) throws LaunchException {
        DaemonClient daemon = new DaemonClient(options.stateDir());
        try {
            if (options.daemon()) {
                return new FrameworkRunner(dist, options).run();
            }
            if (options.daemonVerb() != null) {
                return switch (options.daemonVerb()) {
                    case "start" -> {
                        if (!daemon.alive()) {
                            daemon.spawn(dist);
                        }
                        System.out.println("vmm: daemon runs on " + DaemonProtocol.socket(options.stateDir()));
                        yield 0;
                    }
                    case "stop" -> daemon.stop();
                    default -> {
                        boolean up = daemon.alive();
                        System.out.println(up ? "vmm: daemon runs on " + DaemonProtocol.socket(options.stateDir())
                                : "vmm: no daemon runs for " + options.stateDir());
                        yield up ? 0 : 3;
                    }
                };
            }
            List<String> commands = options.script() != null ? List.of(readScript(options)) : options.commands();
            if (options.interactive()) {
                // As virsh with a socket-activated libvirtd: the shell is a client, so what it
                // starts runs on after quit, and other shells see it.
                if (!daemon.alive()) {
                    daemon.spawn(dist);
                }
                return daemon.repl();
            }
            if (daemon.alive()) {
                return daemon.relay(commands);
            }
            if (options.needsDaemon(commands)) {
                daemon.spawn(dist);
                return daemon.relay(commands);
            }
            return new FrameworkRunner(dist, options).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted");
        }
    }

    private static String readScript(LaunchOptions options) throws LaunchException {
        try {
            return Files.readString(options.script());
        } catch (IOException e) {
            throw new LaunchException("cannot read script " + options.script() + ": " + e.getMessage());
        }
    }

    /** The folder holding this jar, {@code lib/} and {@code bundles/}. */
    static Path distributionRoot() throws LaunchException {
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent();
            if (!Files.isDirectory(root.resolve("bundles"))) {
                throw new LaunchException("no bundles/ folder next to " + jar + ": is the distribution built?");
            }
            return root;
        } catch (URISyntaxException e) {
            throw new LaunchException("cannot locate the launcher jar: " + e.getMessage());
        }
    }

    /**
     * The image tool runs without the framework (it starts in a fraction of the time): its
     * classes and the formats are found on a plain class path made of the product's bundles.
     */
    private static int runTool(Path dist, String mainClass, List<String> args) throws LaunchException {
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> jars = Files.list(dist.resolve("bundles"))) {
            for (Path p : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                urls.add(p.toUri().toURL());
            }
        } catch (IOException e) {
            throw new LaunchException("cannot list " + dist.resolve("bundles") + ": " + e.getMessage());
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), Main.class.getClassLoader())) {
            Thread.currentThread().setContextClassLoader(loader);
            Class<?> tool = loader.loadClass(mainClass);
            Object status = tool.getMethod("run", String[].class).invoke(null, (Object) args.toArray(String[]::new));
            return (Integer) status;
        } catch (ReflectiveOperationException | IOException e) {
            throw new LaunchException(mainClass + " failed to start: " + e);
        }
    }
}
