package vmm.launcher;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Runs commands in one Gogo session and turns the outcome into an exit status: the
 * {@code -c} commands or script of a local run, or those a client sent to the daemon. Gogo's
 * API lives in a bundle, not on the launcher's class path, so it is called through its public
 * interfaces by reflection.
 */
final class CommandRunner {
    private static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    private static final String SESSION = "org.apache.felix.service.command.CommandSession";
    private static final long WAIT_MS = 30_000;

    private final BundleContext context;

    CommandRunner(BundleContext context) {
        this.context = context;
    }

    /** The local run: commands or the script, on this process's own file descriptors. */
    int run(LaunchOptions options) throws LaunchException, InterruptedException {
        List<String> commands;
        if (options.script() != null) {
            try {
                commands = List.of(Files.readString(options.script()));
            } catch (IOException e) {
                throw new LaunchException("cannot read script " + options.script() + ": " + e.getMessage());
            }
        } else {
            commands = options.commands();
        }
        // The file descriptors themselves: Gogo redirects System.out to the session's stream
        // while a command runs, so handing it System.out would make output loop forever.
        return run(commands, Map.of(), new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
    }

    /**
     * Runs {@code commands} in order in a new session on the given streams, stopping at the
     * first that fails; {@code variables} are set in the session first.
     */
    int run(List<String> commands, Map<String, String> variables, InputStream in, OutputStream out, OutputStream err)
            throws LaunchException, InterruptedException {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, PROCESSOR, null);
        tracker.open(true);
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream output = new PrintStream(out, true, StandardCharsets.UTF_8);
        try {
            Object processor = tracker.waitForService(WAIT_MS);
            ServiceReference<Object> ref = tracker.getServiceReference();
            if (processor == null || ref == null) {
                throw new LaunchException("the Gogo command processor did not start within " + WAIT_MS + " ms");
            }
            ClassLoader gogo = ref.getBundle().adapt(org.osgi.framework.wiring.BundleWiring.class).getClassLoader();
            Class<?> processorType = gogo.loadClass(PROCESSOR);
            Class<?> sessionType = gogo.loadClass(SESSION);
            Method create = processorType.getMethod("createSession", InputStream.class, OutputStream.class,
                    OutputStream.class);
            Method execute = sessionType.getMethod("execute", CharSequence.class);
            Method format = sessionType.getMethod("format", Object.class, int.class);
            Method close = sessionType.getMethod("close");
            Method put = sessionType.getMethod("put", String.class, Object.class);
            Object session = create.invoke(processor, in, out, err);
            try {
                // The product's commands first (start, help, list are also names of Gogo's and
                // Felix's commands), then Gogo's built-ins, then the rest: as the interactive shell.
                put.invoke(session, "SCOPE", "vmm:gogo:*");
                for (Map.Entry<String, String> v : variables.entrySet()) {
                    put.invoke(session, v.getKey(), v.getValue());
                }
                for (String command : commands) {
                    int status = execute(session, execute, format, command, output, errors);
                    if (status != 0) {
                        return status;
                    }
                }
                return 0;
            } finally {
                close.invoke(session);
                output.flush();
            }
        } catch (ReflectiveOperationException e) {
            throw new LaunchException("cannot drive the Gogo shell: " + e, e);
        } finally {
            tracker.close();
        }
    }

    private static int execute(Object session, Method execute, Method format, String command, PrintStream out,
            PrintStream err) throws IllegalAccessException, InvocationTargetException {
        try {
            Object result = execute.invoke(session, command);
            if (result != null) {
                // Converter.INSPECT: what the interactive shell prints for a returned value.
                out.println(format.invoke(session, result, 0));
            }
            out.flush();
            return 0;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            // Gogo calls commands reflectively too: show the command's own failure.
            while (cause instanceof InvocationTargetException ite && ite.getCause() != null) {
                cause = ite.getCause();
            }
            out.flush();
            err.println("error: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
            return 1;
        }
    }
}
