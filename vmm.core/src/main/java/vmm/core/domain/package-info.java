/**
 * Domains as libvirt knows them: definitions in libvirt's domain XML
 * ({@link vmm.core.domain.DomainDefinition}), their persistent store and life cycle behind the
 * {@link vmm.core.domain.DomainManager} service, and the events it reports to
 * {@link vmm.core.domain.DomainListener}s.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package vmm.core.domain;
