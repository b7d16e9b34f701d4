/** Accelerator SPI: how the core finds a way to run guest code. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package vmm.core.hypervisor;
