/**
 * Domains as libvirt knows them: definitions in libvirt's domain XML
 * ({@link vmm.core.domain.DomainDefinition}), their persistent store and life cycle behind the
 * {@link vmm.core.domain.DomainManager} service, and the events it reports to
 * {@link vmm.core.domain.DomainListener}s.
 *
 * <p>1.2: {@link vmm.core.domain.DomainManager#save} and {@link vmm.core.domain.DomainManager#restore}
 * (virsh save and restore), {@link vmm.core.domain.RunAfterRestore}, and the runner's side of them;
 * {@link vmm.core.domain.DomainManager#checkpoint} and {@link vmm.core.domain.DomainManager#revert}
 * (the VM state of snapshots, {@link vmm.core.domain.StateReason#FROM_SNAPSHOT}); graceful shutdown through the ACPI power button with a timeout
 * ({@link vmm.core.domain.DomainManager#shutdown(String, java.time.Duration)},
 * {@link vmm.core.domain.DomainEvent.Type#SHUTDOWN_TIMED_OUT}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package vmm.core.domain;
