package vmm.shell.img;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import vmm.core.block.CreateOptions;

/** {@code create}: a new image, optionally on a backing file. */
final class CreateVerb implements ImgTool.Verb {

    @Override
    public String usage() {
        return "create [-f fmt] [-b backing [-F backing_fmt]] [-o opt=val,...] [--object secret,id=s,data=P] [-q] file [size]";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("create", argv, Set.of("-f", "-b", "-F", "-o", "--object"), Set.of("-q", "-u"));
        String file = a.positional(0, "file name", "create");
        Map<String, String> options = new TreeMap<>(a.createOptions());
        if (a.has("-b")) {
            options.put("backing_file", a.get("-b"));
        }
        if (a.has("-F")) {
            options.put("backing_fmt", a.get("-F"));
        }
        if (options.containsKey("encrypt.key-secret")) {
            String secret = ImageSource.passphrase(a);
            if (secret == null) {
                throw new ImgException("encrypt.key-secret needs --object secret,id=" + options.get("encrypt.key-secret")
                        + ",data=PASSPHRASE");
            }
            options.put("encrypt.key-secret", secret);
        }
        long size = 0;
        if (options.containsKey("size")) {
            size = Sizes.parse(options.remove("size"));
        }
        if (a.positional().size() > 1) {
            size = Sizes.parse(a.positional().get(1));
        }
        if (size == 0 && !options.containsKey("backing_file")) {
            throw new ImgException("image size must be given (or a backing file to take it from)");
        }
        String format = a.get("-f", "raw");
        ImageSource.format(tool, format).create(Path.of(file), new CreateOptions(size, options), tool.formats);
        if (!a.has("-q")) {
            StringBuilder line = new StringBuilder("Formatting '" + file + "', fmt=" + format);
            options.forEach((k, v) -> line.append(' ').append(k).append('=').append(k.contains("secret") ? "***" : v));
            tool.out.println(line + " size=" + size);
        }
        return 0;
    }
}
