package vmm.core.domain;

import java.util.List;
import java.util.Optional;

/**
 * The domains of this VMM: libvirt's driver role. Persistent definitions live in the state
 * folder ({@code STATE/domains/NAME.xml}); transient domains exist only while they run.
 * Domains are named by name, id or UUID wherever a method takes {@code domain}, looked up in
 * virsh's order (id, then UUID, then name).
 *
 * <p>Every change is reported to the registered {@link DomainListener} services.
 */
public interface DomainManager {

    /** Every domain: active ones by id, then inactive ones by name. */
    List<DomainInfo> list();

    /** The domain named by name, id or UUID. */
    Optional<DomainInfo> find(String domain);

    /**
     * The domain named by name, id or UUID.
     *
     * @throws DomainException {@link DomainException.Kind#NO_DOMAIN} when there is none
     */
    DomainInfo lookup(String domain) throws DomainException;

    /** Parses and validates {@code xml} without storing anything. */
    DomainDefinition parse(String xml) throws DomainException;

    /**
     * Stores a definition (new, or replacing the one with the same name and UUID). The stored
     * file is replaced atomically: a failure leaves the previous definition intact.
     */
    DomainInfo define(String xml) throws DomainException;

    /** Removes a domain's stored definition and autostart flag; a running one becomes transient. */
    void undefine(String domain) throws DomainException;

    /** Starts a domain from {@code xml} without storing it (a transient domain). */
    DomainInfo create(String xml) throws DomainException;

    /** Starts an inactive, defined domain. */
    DomainInfo start(String domain) throws DomainException;

    /** Stops a domain at once, as pulling the plug. */
    void destroy(String domain) throws DomainException;

    /**
     * Asks the guest to power off: presses its ACPI power button. The domain is
     * {@link DomainState#SHUTDOWN in shutdown} until the guest powers off, then shut off (reason
     * shutdown); a guest that has not powered off when the configured timeout passes (framework
     * property {@code vmm.shutdown.timeout}, in seconds; 120 by default) is running again, and
     * a {@link DomainEvent.Type#SHUTDOWN_TIMED_OUT} event says so. It is never killed.
     */
    void shutdown(String domain) throws DomainException;

    /** As {@link #shutdown(String)}, with its own timeout (positive). Since 1.2. */
    void shutdown(String domain, java.time.Duration timeout) throws DomainException;

    /** Asks the guest to reboot. */
    void reboot(String domain) throws DomainException;

    /** Pauses a running domain's vCPUs. */
    void suspend(String domain) throws DomainException;

    /** Resumes a paused domain. */
    void resume(String domain) throws DomainException;

    /** Sets whether a persistent domain starts with the VMM. */
    void setAutostart(String domain, boolean autostart) throws DomainException;

    /**
     * The domain's XML: the live definition (with its id) while active, else the stored one;
     * {@code inactive} asks for the stored one regardless.
     */
    String dumpXml(String domain, boolean inactive) throws DomainException;

    /**
     * Attaches to a running domain's serial console: its output goes to {@code guestOutput}
     * until the console is closed.
     */
    DomainConsole openConsole(String domain, java.io.OutputStream guestOutput) throws DomainException;

    /**
     * The vCPUs of an active domain: host CPU and CPU time of each (virsh vcpuinfo). Since 1.1.
     *
     * @throws DomainException {@link DomainException.Kind#NO_DOMAIN} when there is none
     */
    List<VcpuInfo> vcpuInfo(String domain) throws DomainException;

    /**
     * Saves an active domain's whole state (vCPUs, devices, RAM; disks are not copied) with
     * its live XML to {@code file}, then stops it: shut off, reason saved (virsh save). The
     * file is written beside its place and moved there once complete; when anything fails the
     * domain runs on as before. Since 1.2.
     *
     * @param after what {@link #restore} does by default: run, stay paused, or as the domain is now
     */
    default void save(String domain, java.nio.file.Path file, RunAfterRestore after) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainSave");
    }

    /**
     * Starts a domain from a file {@link #save} wrote, where it was (virsh restore): the
     * defined domain of that name and UUID, or a transient one when none is defined. The file
     * is read and checked whole before the domain runs; a bad file changes nothing. Since 1.2.
     *
     * @param after {@link RunAfterRestore#AS_SAVED} for what the file says
     */
    default DomainInfo restore(java.nio.file.Path file, RunAfterRestore after) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainRestore");
    }

    /** Work done while a domain's machine is stopped (its disk images closed). Since 1.2. */
    @FunctionalInterface
    interface StoppedWork {
        void run() throws java.io.IOException;
    }

    /**
     * Saves an active domain's state to {@code file} as {@link #save} does, runs {@code work}
     * while its machine is stopped and its disks are closed (internal disk snapshots), and
     * starts it again from the file: the guest goes on, running or paused as before, with the
     * same id (libvirt's snapshot of a running domain). When {@code work} fails the domain still
     * goes on, and the failure is thrown. Since 1.2.
     */
    default void checkpoint(String domain, java.nio.file.Path file, StoppedWork work) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainSnapshotCreateXML");
    }

    /**
     * Brings a domain back to a state {@link #checkpoint} saved (snapshot-revert): an active
     * domain is stopped first, {@code work} runs with no machine (disks reverted), then the
     * domain starts from {@code file}: running (from snapshot), or paused if it was saved
     * paused. Since 1.2.
     */
    default DomainInfo revert(String domain, java.nio.file.Path file, StoppedWork work) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainRevertToSnapshot");
    }

    /**
     * Sets the memory a domain's guest keeps (virsh setmem): {@code live} moves the running
     * guest's balloon, {@code config} the stored definition's {@code currentMemory}; neither
     * means the running domain when active, else the stored one (virsh's --current). Since 1.4.
     */
    default void setMemory(String domain, long kib, boolean live, boolean config) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainSetMemoryFlags");
    }

    /**
     * A running domain's memory statistics as virsh dommemstat names them, in its order (so
     * far {@code actual}: the guest's RAM in KiB as its balloon stands; absent without a
     * balloon, as with libvirt). Since 1.4.
     */
    default java.util.SequencedMap<String, Long> memoryStats(String domain) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED,
                "this function is not supported by the connection driver: virDomainMemoryStats");
    }

    /** Stored definitions that could not be read: file and reason, one line each. */
    List<String> problems();
}
