package vmm.launcher;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Runs {@code -c} commands or a script in one Gogo session and turns the outcome into an exit
 * status. Gogo's API lives in a bundle, not on the launcher's class path, so it is called
 * through its public interfaces by reflection.
 */
final class CommandRunner {
    private static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    private static final String SESSION = "org.apache.felix.service.command.CommandSession";
    private static final long WAIT_MS = 30_000;

    private final BundleContext context;

    CommandRunner(BundleContext context) {
        this.context = context;
    }

    int run(LaunchOptions options) throws LaunchException, InterruptedException {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, PROCESSOR, null);
        tracker.open(true);
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
            // The file descriptors themselves: Gogo redirects System.out to the session's stream
            // while a command runs, so handing it System.out would make output loop forever.
            Object session = create.invoke(processor, new FileInputStream(FileDescriptor.in),
                    new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
            try {
                // The product's commands first (start, help, list are also names of Gogo's and
                // Felix's commands), then Gogo's built-ins, then the rest: as the interactive shell.
                put.invoke(session, "SCOPE", "vmm:gogo:*");
                if (options.script() != null) {
                    String text = Files.readString(options.script());
                    return execute(session, execute, format, text);
                }
                for (String command : options.commands()) {
                    int status = execute(session, execute, format, command);
                    if (status != 0) {
                        return status;
                    }
                }
                return 0;
            } finally {
                close.invoke(session);
                System.out.flush();
            }
        } catch (IOException e) {
            throw new LaunchException("cannot read script " + options.script() + ": " + e.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new LaunchException("cannot drive the Gogo shell: " + e, e);
        } finally {
            tracker.close();
        }
    }

    private static int execute(Object session, Method execute, Method format, String command)
            throws IllegalAccessException, InvocationTargetException {
        try {
            Object result = execute.invoke(session, command);
            if (result != null) {
                // Converter.INSPECT: what the interactive shell prints for a returned value.
                System.out.println(format.invoke(session, result, 0));
            }
            System.out.flush();
            return 0;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            // Gogo calls commands reflectively too: show the command's own failure.
            while (cause instanceof InvocationTargetException ite && ite.getCause() != null) {
                cause = ite.getCause();
            }
            System.out.flush();
            System.err.println("error: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
            return 1;
        }
    }
}
