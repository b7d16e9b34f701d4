/* Interrupt stubs: each pushes a dummy error code where the CPU pushes none, then its vector,
 * and joins isr_common, which calls isr_dispatch(struct frame *). */
        .altmacro
        .section .text
        .macro STUB n
        .globl isr\n
isr\n:
        .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17)
        .else
        push $0
        .endif
        push $\n
        jmp isr_common
        .endm

        .macro ENTRY n
        .long isr\n
        .endm

        .set i, 0
        .rept 256
        STUB %i
        .set i, i+1
        .endr

isr_common:
        pusha
        push %ds
        push %es
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        push %esp
        call isr_dispatch
        add $4, %esp
        pop %es
        pop %ds
        popa
        add $8, %esp
        iret

        .section .rodata
        .globl isr_table
        .align 4
isr_table:
        .set i, 0
        .rept 256
        ENTRY %i
        .set i, i+1
        .endr
