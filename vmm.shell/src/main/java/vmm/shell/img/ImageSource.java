package vmm.shell.img;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;

/** Opening the images that verbs name, with the errors a user needs. */
final class ImageSource {
    private ImageSource() {
    }

    static BlockImage open(ImgTool tool, String name, String format, boolean writable, ImgArgs args)
            throws IOException, ImgException {
        return open(tool, name, format, writable, args, false);
    }

    /** @param cacheUnsafe flushes do not wait for the disk (qemu-img convert's default target mode) */
    static BlockImage open(ImgTool tool, String name, String format, boolean writable, ImgArgs args,
            boolean cacheUnsafe) throws IOException, ImgException {
        Path path = Path.of(name);
        if (!Files.exists(path)) {
            throw new NoSuchFileException(name, null, "no such image");
        }
        OpenOptions o = (writable ? OpenOptions.readWrite() : OpenOptions.readOnlyImage()).withCacheUnsafe(cacheUnsafe);
        String secret = passphrase(args);
        if (secret != null) {
            o = o.withPassphrase(secret);
        }
        return tool.formats.open(path, format, o);
    }

    static BlockFormat format(ImgTool tool, String name) throws ImgException {
        return tool.formats.byName(name).orElseThrow(() -> new ImgException("unknown format '" + name + "' (known: "
                + tool.formats.all().stream().map(BlockFormat::name).sorted().toList() + ")"));
    }

    /**
     * The passphrase for encrypted images: qemu-img takes {@code --object secret,id=ID,data=...}
     * (or {@code file=...}); the same spelling works here.
     */
    static String passphrase(ImgArgs args) throws ImgException {
        String object = args == null ? null : args.get("--object");
        if (object == null) {
            return null;
        }
        String data = null;
        for (String part : object.split(",")) {
            if (part.startsWith("data=")) {
                data = part.substring(5);
            } else if (part.startsWith("file=")) {
                try {
                    data = Files.readString(Path.of(part.substring(5))).strip();
                } catch (IOException e) {
                    throw new ImgException("cannot read secret file " + part.substring(5) + ": " + e.getMessage());
                }
            }
        }
        if (!object.startsWith("secret,") || data == null) {
            throw new ImgException("--object must be secret,id=ID,data=PASSPHRASE or secret,id=ID,file=PATH");
        }
        return data;
    }
}
