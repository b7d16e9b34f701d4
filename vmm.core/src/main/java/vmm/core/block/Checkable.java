package vmm.core.block;

import java.io.IOException;
import java.util.List;

/** A format whose metadata can be checked for consistency (qcow2). */
public interface Checkable {

    /**
     * Checks the image; with {@code repairLeaks}, clusters that are allocated but unused get
     * their reference counts fixed. Corruption is reported, never repaired silently.
     */
    CheckReport check(boolean repairLeaks) throws IOException;

    /**
     * @param corruptions     metadata errors (the image may lose data)
     * @param leaks           clusters counted as used but referenced by nothing
     * @param leaksFixed      leaks repaired by this run
     * @param allocatedClusters clusters holding guest data
     * @param totalClusters   clusters the virtual disk spans
     * @param imageEndOffset  end of the last used cluster in the file
     * @param messages        one line per problem found, naming what and where
     */
    record CheckReport(long corruptions, long leaks, long leaksFixed, long allocatedClusters,
            long totalClusters, long imageEndOffset, List<String> messages) {
        public boolean clean() {
            return corruptions == 0 && leaks - leaksFixed == 0;
        }
    }
}
