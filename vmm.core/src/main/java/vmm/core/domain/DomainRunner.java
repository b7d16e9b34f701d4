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

        /**
         * Attaches to the serial console: guest output goes to {@code guestOutput} until the
         * returned console is closed. One attachment at a time.
         */
        DomainConsole openConsole(java.io.OutputStream guestOutput) throws DomainException;
    }

    /** Builds and starts the machine for {@code definition}. */
    Machine start(DomainDefinition definition, ExitHandler onExit) throws DomainException;
}
