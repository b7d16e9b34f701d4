package vmm.core.domain;

/**
 * What runs a domain's machine (the machine bundle registers one as a service). The
 * {@link DomainManager} owns the domain's state; the runner owns the machine and reports how
 * it ends.
 */
public interface DomainRunner {

    /** How a machine ended on its own. */
    enum Exit {
        /** The guest powered off. */
        POWEROFF,
        /** The guest asked for a reboot. */
        REBOOT,
        /** The guest crashed or the machine failed. */
        CRASH
    }

    /** Receives the end of a machine; called once, from the machine's own thread. */
    @FunctionalInterface
    interface ExitHandler {
        void exited(Exit exit, String detail);
    }

    /** A started machine. */
    interface Machine {
        void pause() throws DomainException;

        void resume() throws DomainException;

        /** Asks the guest to power off (ACPI power button); returns at once. */
        void requestShutdown() throws DomainException;

        /** Resets the machine as a reboot does. */
        void reset() throws DomainException;

        /** Stops the machine at once; the exit handler is not called. */
        void powerOff();

        /** CPU time its vCPUs used, in nanoseconds. */
        long cpuTimeNs();

        /** Each vCPU's host CPU and CPU time, in vCPU order; empty when unknown. Since 1.1. */
        default java.util.List<VcpuInfo> vcpus() {
            return java.util.List.of();
        }

        /**
         * Attaches to the serial console: guest output goes to {@code guestOutput} until the
         * returned console is closed. One attachment at a time.
         */
        DomainConsole openConsole(java.io.OutputStream guestOutput) throws DomainException;

        /**
         * Pauses the machine and writes its state to {@code out}; it stays paused. Since 1.2.
         *
         * @throws DomainException naming what cannot be saved, or the write that failed
         */
        /**
         * After {@link #powerOff()}: waits up to {@code millis} until the machine has released what
         * it held (its disk images); false when it has not. Since 1.2.
         */
        default boolean awaitReleased(long millis) throws InterruptedException {
            return true;
        }

        /**
         * Asks the guest, through its memory balloon, to keep {@code kib} KiB of its RAM (virsh
         * setmem); the guest's driver follows when it can. Since 1.4.
         */
        default void setMemory(long kib) throws DomainException {
            throw new DomainException(DomainException.Kind.INVALID_OPERATION, "Requested operation is not valid: "
                    + "Unable to change memory of active domain without the balloon device and guest OS balloon driver");
        }

        /**
         * The RAM the guest has now, in KiB: its maximum less what its balloon holds as the
         * guest reports it; empty when it has no balloon. Since 1.4.
         */
        default java.util.OptionalLong memoryKiB() {
            return java.util.OptionalLong.empty();
        }

        default void saveState(java.io.OutputStream out) throws DomainException {
            throw new DomainException(DomainException.Kind.UNSUPPORTED,
                    "this function is not supported by the connection driver: virDomainSave");
        }
    }

    /** Builds and starts the machine for {@code definition}. */
    Machine start(DomainDefinition definition, ExitHandler onExit) throws DomainException;

    /**
     * Builds the machine for {@code definition}, loads the state {@link Machine#saveState}
     * wrote from {@code state}, and starts it, paused if asked. Nothing runs unless the whole
     * state was read and checked. Since 1.2.
     */
    default Machine restore(DomainDefinition definition, java.io.InputStream state, boolean paused, ExitHandler onExit)
            throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainRestore");
    }
}
