/* The application processors' start: the BSP copies tramp_start..tramp_end to 0x8000 and sends
 * SIPI vector 0x08, so an AP starts here in real mode at 0800:0000. It loads the GDT whose
 * descriptor the BSP patched in (tramp_gdtr), enters protected mode and jumps to ap_entry32. */
        .section .rodata
        .code16
        .globl tramp_start, tramp_end, tramp_gdtr
tramp_start:
        cli
        mov %cs, %ax
        mov %ax, %ds
        lgdtl (tramp_gdtr - tramp_start)
        mov %cr0, %eax
        or $1, %eax
        mov %eax, %cr0
        .byte 0x66, 0xea
        .long ap_entry32
        .word 0x08
        .align 4
tramp_gdtr:
        .word 0
        .long 0
tramp_end:

        .code32
        .section .text
ap_entry32:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $1, %eax
        lock xadd %eax, ap_next
        inc %eax
        mov %eax, %ebx
        shl $12, %ebx
        add $ap_stacks, %ebx
        mov %ebx, %esp
        push %eax
        call ap_main
1:      cli
        hlt
        jmp 1b

        .section .data
        .globl ap_next
ap_next: .long 0
        .section .bss
        .align 4096
        .globl ap_stacks
ap_stacks: .space 4096 * 8
