/** A vCPU's architectural state as plain records: what save/restore and migration carry. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package vmm.core.hypervisor.state;
