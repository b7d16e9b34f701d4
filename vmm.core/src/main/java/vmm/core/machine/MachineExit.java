package vmm.core.machine;

/** How a machine ended. */
public sealed interface MachineExit {

    /** The exit status a command-line tool reports for this outcome (see {@code ./vmm run}). */
    int status();

    /** The guest powered off (ACPI S5, a shutdown request). */
    record PoweredOff() implements MachineExit {
        @Override
        public int status() {
            return 0;
        }
    }

    /**
     * The guest wrote {@code value} to the isa-debug-exit port; the status is
     * {@code (value << 1) | 1} as QEMU's, so it is never 0.
     */
    record DebugExit(int value) implements MachineExit {
        @Override
        public int status() {
            return ((value << 1) | 1) & 0xff;
        }
    }

    /** The guest asked for a reset and the policy is {@link RebootPolicy#EXIT} (QEMU's --no-reboot). */
    record ResetRequested(String source) implements MachineExit {
        @Override
        public int status() {
            return 0;
        }
    }

    /**
     * The guest cannot go on: a triple fault under {@link RebootPolicy#EXIT}, or an accelerator
     * error. {@code report} has the reason, the registers and the instruction bytes.
     */
    record Crashed(String reason, String report) implements MachineExit {
        /** Distinct from every debug-exit status (those are odd) and from 0. */
        public static final int STATUS = 120;

        @Override
        public int status() {
            return STATUS;
        }
    }

    /** The host ended it ({@link Machine#destroy()}). */
    record Destroyed() implements MachineExit {
        @Override
        public int status() {
            return 0;
        }
    }
}
