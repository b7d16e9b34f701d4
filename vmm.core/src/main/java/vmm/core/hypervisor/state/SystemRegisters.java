package vmm.core.hypervisor.state;

/** Segments, descriptor tables, control registers and EFER. */
public record SystemRegisters(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
                              Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt,
                              long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase) {
}
