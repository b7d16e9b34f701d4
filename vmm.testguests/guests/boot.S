/* Multiboot v1 entry shared by every test guest: QEMU's -kernel and the vmm load it alike.
 * Entered in 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = multiboot info. */
        .section .multiboot, "a"
        .align 4
        .long 0x1BADB002
        .long 0
        .long -0x1BADB002

        .section .text
        .globl _start
_start:
        cli
        mov $stack_top, %esp
        push %ebx
        push %eax
        call guest_start
        push %eax
        call guest_exit
1:      hlt
        jmp 1b

        .section .bss
        .align 16
        .globl stack_top
stack:  .space 16384
stack_top:
