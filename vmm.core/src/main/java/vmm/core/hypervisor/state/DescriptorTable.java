package vmm.core.hypervisor.state;

/** GDTR or IDTR. */
public record DescriptorTable(long base, int limit) {
}
