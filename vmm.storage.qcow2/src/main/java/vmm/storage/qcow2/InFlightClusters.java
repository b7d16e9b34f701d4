package vmm.storage.qcow2;

import java.util.Arrays;

/**
 * A handful of runs of guest clusters (at most one per writing thread), each kept as its
 * first cluster and length: a plain array scan is cheaper than a hash set of boxed longs,
 * above all while the code is still interpreted.
 */
final class InFlightClusters {
    private long[] starts = new long[16];
    private int[] lengths = new int[16];
    private int count;

    boolean contains(long gc) {
        for (int i = 0; i < count; i++) {
            if (gc >= starts[i] && gc - starts[i] < lengths[i]) {
                return true;
            }
        }
        return false;
    }

    void add(long gc) {
        add(gc, 1);
    }

    void add(long gc, int n) {
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
        }
        starts[count] = gc;
        lengths[count++] = n;
    }

    /** Removes the run that starts at {@code gc}. */
    void remove(long gc) {
        for (int i = 0; i < count; i++) {
            if (starts[i] == gc) {
                count--;
                starts[i] = starts[count];
                lengths[i] = lengths[count];
                return;
            }
        }
    }
}
