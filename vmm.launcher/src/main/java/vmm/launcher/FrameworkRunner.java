package vmm.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** Starts Felix on the state folder with every bundle of the distribution. */
final class FrameworkRunner {

    /** Gogo's line-editing shell: started after everything else (see run). */
    private static final String GOGO_SHELL = "org.apache.felix.gogo.jline";

    private final Path dist;
    private final LaunchOptions options;

    FrameworkRunner(Path dist, LaunchOptions options) {
        this.dist = dist;
        this.options = options;
    }

    int run() throws LaunchException {
        Path state = options.stateDir();
        try {
            for (String sub : List.of("domains", "images", "logs", "deploy", "cache")) {
                Files.createDirectories(state.resolve(sub));
            }
        } catch (IOException e) {
            throw new LaunchException("cannot create the state folder " + state + ": " + e.getMessage());
        }
        configureLogging(state);
        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new LaunchException("no OSGi framework on the class path"))
                .newFramework(frameworkProperties(state));
        try {
            framework.init();
            // jline finds its terminal providers through the context class loader; with the
            // application loader there it falls back to a dumb terminal.
            Thread.currentThread().setContextClassLoader(null);
            Bundle shell = startBundles(framework.getBundleContext());
            framework.start();
            // The shell last, once every other bundle has started: its profile runs the
            // product's commands (banner, completions) at once.
            if (shell != null) {
                shell.start();
            }
            int status = 0;
            if (options.daemon()) {
                new DaemonServer(framework, state).start();
            } else if (!options.interactive()) {
                status = new CommandRunner(framework.getBundleContext()).run(options);
                framework.stop();
            }
            FrameworkEvent stopped = framework.waitForStop(0);
            if (stopped.getType() == FrameworkEvent.ERROR) {
                throw new LaunchException("framework stopped with an error", stopped.getThrowable());
            }
            return status;
        } catch (BundleException e) {
            throw new LaunchException("framework failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted while running");
        }
    }

    private Map<String, String> frameworkProperties(Path state) {
        Map<String, String> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, state.resolve("cache/felix").toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put("vmm.state.dir", state.toString());
        p.put("vmm.daemon", Boolean.toString(options.daemon()));
        // The demo domain, defined once per state folder (VMM_DEMO=off: none).
        p.put("vmm.demo", "off".equals(System.getenv("VMM_DEMO")) ? "off" : "on");
        p.put("felix.fileinstall.dir", state.resolve("deploy").toString());
        p.put("felix.fileinstall.poll", "250");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.log.level", "2");
        p.put("felix.log.level", "1");
        // Non-interactive runs use their own session; Gogo must neither read stdin nor stop
        // the framework on its own.
        p.put("gosh.args", options.interactive() ? "" : "--nointeractive --noshutdown");
        // Gogo's default profile greets with its own banner and sets up line editing, which a
        // batch run does not have: shell/etc/gosh_profile is the product's interactive profile
        // (prompt, banner, completions), batch/etc/gosh_profile the one for runs without a terminal.
        p.put("gosh.home", dist.resolve(options.interactive() ? "shell" : "batch").toString());
        return p;
    }

    /** Held so the JUL levels set below are not lost to garbage collection. */
    private static final java.util.logging.Logger JUL_ROOT = java.util.logging.Logger.getLogger("");
    private static final java.util.logging.Logger JUL_JLINE = java.util.logging.Logger.getLogger("org.jline");

    private void configureLogging(Path state) {
        // SPI Fly and jline report through java.util.logging: keep their chatter off the console.
        JUL_ROOT.setLevel(java.util.logging.Level.WARNING);
        if (!options.interactive()) {
            // A batch run has no terminal by design; jline's "dumb terminal" warning is noise.
            JUL_JLINE.setLevel(java.util.logging.Level.SEVERE);
        }
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
        if (!options.verbose()) {
            setDefault("org.slf4j.simpleLogger.logFile", state.resolve("logs/vmm.log").toString());
        }
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Installs every bundle, then starts them in an order that matters: ASM and SPI Fly before
     * slf4j (its API finds the provider through the Service Loader Mediator), slf4j before the
     * bundles that log.
     */
    private Bundle startBundles(BundleContext context) throws LaunchException {
        List<Bundle> installed = new ArrayList<>();
        try (Stream<Path> jars = Files.list(dist.resolve("bundles"))) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).sorted().toList()) {
                installed.add(context.installBundle(jar.toUri().toString()));
            }
        } catch (IOException | BundleException e) {
            throw new LaunchException("cannot install the product's bundles: " + e.getMessage(), e);
        }
        installed.sort(Comparator.comparingInt(FrameworkRunner::startRank));
        Bundle shell = null;
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            if (GOGO_SHELL.equals(b.getSymbolicName())) {
                shell = b;
                continue;
            }
            try {
                b.start();
            } catch (BundleException e) {
                throw new LaunchException("bundle " + b.getSymbolicName() + " did not start: " + e.getMessage(), e);
            }
        }
        return shell;
    }

    private static int startRank(Bundle b) {
        String n = b.getSymbolicName() == null ? "" : b.getSymbolicName();
        if (n.startsWith("org.objectweb.asm")) {
            return 0;
        }
        if (n.startsWith("org.apache.aries.spifly")) {
            return 1;
        }
        if (n.startsWith("slf4j.api")) {
            return 2;
        }
        if (n.startsWith("slf4j.")) {
            return 3;
        }
        if (n.equals("org.apache.felix.gogo.jline")) {
            return 9;
        }
        return 5;
    }
}
