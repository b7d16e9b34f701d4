package vmm.shell.internal;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import vmm.core.block.BlockFormats;
import vmm.shell.img.ImgTool;

/**
 * The image tool as shell commands: {@code img:create}, {@code img:info} and the rest take the
 * same arguments as {@code vmm img VERB}. A failing verb throws, so scripts and {@code -c}
 * runs stop with a non-zero status.
 */
@Component(service = ImgCommands.class, property = {
    "osgi.command.scope=img",
    "osgi.command.function=create", "osgi.command.function=info", "osgi.command.function=check",
    "osgi.command.function=convert", "osgi.command.function=snapshot", "osgi.command.function=rebase",
    "osgi.command.function=resize", "osgi.command.function=commit", "osgi.command.function=map",
    "osgi.command.function=compare", "osgi.command.function=bench"
})
public final class ImgCommands {

    private final BlockFormats formats;

    @Activate
    public ImgCommands(@Reference BlockFormats formats) {
        this.formats = formats;
    }

    private void run(String verb, String[] args) throws ImgCommandException {
        List<String> argv = new ArrayList<>();
        argv.add(verb);
        argv.addAll(List.of(args));
        // System.out here is the shell session's stream: Gogo redirects it per command.
        int status = new ImgTool(formats, System.out, System.err).execute(argv);
        if (status != 0) {
            throw new ImgCommandException("img " + verb + " exited with status " + status);
        }
    }

    /** A verb ended with a non-zero status (its own message is printed already). */
    public static final class ImgCommandException extends Exception {
        private static final long serialVersionUID = 1L;

        ImgCommandException(String message) {
            super(message);
        }
    }

    @Descriptor("create an image: [-f fmt] [-b backing [-F fmt]] [-o opts] file [size]")
    public void create(String... args) throws ImgCommandException {
        run("create", args);
    }

    @Descriptor("describe an image: [-f fmt] [--output=json] [--backing-chain] file")
    public void info(String... args) throws ImgCommandException {
        run("info", args);
    }

    @Descriptor("check an image's metadata: [-f fmt] [-r leaks|all] [--output=json] file")
    public void check(String... args) throws ImgCommandException {
        run("check", args);
    }

    @Descriptor("copy an image into a new one: [-f fmt] [-O fmt] [-o opts] [-c] [-p] src... dst")
    public void convert(String... args) throws ImgCommandException {
        run("convert", args);
    }

    @Descriptor("internal snapshots: [-l | -c name | -a name | -d name] file")
    public void snapshot(String... args) throws ImgCommandException {
        run("snapshot", args);
    }

    @Descriptor("change the backing file: [-u] -b backing [-F fmt] file")
    public void rebase(String... args) throws ImgCommandException {
        run("rebase", args);
    }

    @Descriptor("change the virtual size: [--shrink] file [+|-]size")
    public void resize(String... args) throws ImgCommandException {
        run("resize", args);
    }

    @Descriptor("write an overlay into its backing file: [-d] file")
    public void commit(String... args) throws ImgCommandException {
        run("commit", args);
    }

    @Descriptor("show where the data of an image lies: [--output=json] file")
    public void map(String... args) throws ImgCommandException {
        run("map", args);
    }

    @Descriptor("compare two images' content: [-f fmt] [-F fmt] [-s] file1 file2")
    public void compare(String... args) throws ImgCommandException {
        run("compare", args);
    }

    @Descriptor("measure I/O: [-c count] [-d depth] [-s size] [-S step] [-w] file")
    public void bench(String... args) throws ImgCommandException {
        run("bench", args);
    }
}
