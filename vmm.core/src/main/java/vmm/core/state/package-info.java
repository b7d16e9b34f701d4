/** Where the VMM keeps definitions, images and logs. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package vmm.core.state;
