package vmm.kvm.driver.internal.abi;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.SequenceLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Field access by C member designators ({@code "io.port"}, {@code "xcrs[].value"}).
 * The kernel's structures use anonymous unions; here they are unnamed group layouts, and a
 * designator passes through them as C does, so the names in this driver read like the header.
 * {@code name[]} opens an array (the VarHandle takes an index), {@code name[3]} picks an element.
 */
public final class StructFields {
    private StructFields() {
    }

    public static VarHandle handle(MemoryLayout layout, String designator) {
        return layout.varHandle(path(layout, designator));
    }

    public static long offset(MemoryLayout layout, String designator) {
        return layout.byteOffset(path(layout, designator));
    }

    /** The member's layout; array indices in the designator do not matter here. */
    public static MemoryLayout select(MemoryLayout layout, String designator) {
        return layout.select(path(layout, designator, true));
    }

    public static PathElement[] path(MemoryLayout layout, String designator) {
        return path(layout, designator, false);
    }

    // MemoryLayout.select accepts open sequence elements only, so selecting drops the indices.
    private static PathElement[] path(MemoryLayout layout, String designator, boolean openArrays) {
        List<PathElement> path = new ArrayList<>();
        MemoryLayout current = layout;
        for (String part : designator.split("\\.")) {
            String name = part;
            String index = null;
            int bracket = part.indexOf('[');
            if (bracket >= 0) {
                name = part.substring(0, bracket);
                index = part.substring(bracket + 1, part.length() - 1);
            }
            current = member(current, name, path, layout, designator);
            if (index != null) {
                if (!(current instanceof SequenceLayout seq)) {
                    throw new IllegalArgumentException(designator + ": " + name + " is not an array in " + layout);
                }
                path.add(index.isEmpty() || openArrays
                        ? PathElement.sequenceElement()
                        : PathElement.sequenceElement(Long.parseLong(index)));
                current = seq.elementLayout();
            }
        }
        return path.toArray(PathElement[]::new);
    }

    private static MemoryLayout member(MemoryLayout container, String name, List<PathElement> path,
            MemoryLayout root, String designator) {
        if (container instanceof GroupLayout group) {
            List<PathElement> found = new ArrayList<>();
            MemoryLayout m = find(group, name, found);
            if (m != null) {
                path.addAll(found);
                return m;
            }
        }
        throw new IllegalArgumentException("no member " + designator + " in " + root.name().orElse(root.toString()));
    }

    /** Depth-first through unnamed groups, which is where C looks for members of anonymous unions. */
    private static MemoryLayout find(GroupLayout group, String name, List<PathElement> path) {
        List<MemoryLayout> members = group.memberLayouts();
        for (int i = 0; i < members.size(); i++) {
            MemoryLayout m = members.get(i);
            if (m.name().filter(name::equals).isPresent()) {
                path.add(PathElement.groupElement(name));
                return m;
            }
            if (m.name().isEmpty() && m instanceof GroupLayout inner) {
                path.add(PathElement.groupElement(i));
                MemoryLayout hit = find(inner, name, path);
                if (hit != null) {
                    return hit;
                }
                path.removeLast();
            }
        }
        return null;
    }
}
