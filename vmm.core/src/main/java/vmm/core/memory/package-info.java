/** Guest RAM: the map of guest-physical addresses and bounds-checked access to it. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package vmm.core.memory;
