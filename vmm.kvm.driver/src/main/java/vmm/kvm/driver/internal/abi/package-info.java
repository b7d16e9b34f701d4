/**
 * The x86-64 KVM ABI as FFM layouts: structures of linux/kvm.h and asm/kvm.h member by member
 * (anonymous unions as unnamed group layouts, so C member designators work through
 * {@link vmm.kvm.driver.internal.abi.StructFields}), ioctl numbers built from their sizes, and
 * the constants the driver passes. Small structures that are passed by value are records with
 * a {@code toSegment} that marshals them; register files stay memory, so that a read, change,
 * write round trip keeps the fields nobody named.
 */
package vmm.kvm.driver.internal.abi;
