/*
 * Freestanding multiboot (v1) guest for bench/cpu-bench: enters long mode with identity-mapped
 * 2 MiB user pages, drops to ring 3 (IOPL 3, so it can reach the serial port and the exit port
 * itself), runs one loop ITERS times, prints "cpu-bench <kind> <checksum>" on COM1 and exits
 * through isa-debug-exit (port 0xf4, code 0: QEMU's status 1).
 *
 * Build: gcc -nostdlib -static -no-pie -Wl,-T,cpu-bench.ld -DITERS=N [-DMEMORY] cpu-bench.S,
 *        then objcopy -O elf32-i386 (multiboot v1 wants ELF32)
 * COMPUTE loop: INSNS_PER_ITER = 12 register-only instructions (mul, shifts, xor, add, branch).
 * MEMORY loop:  INSNS_PER_ITER = 13, a read-modify-write at a pseudo-random 8-byte slot of a
 *               64 MiB array plus a sequential load over it: TLB-unfriendly.
 */
#define COM1 0x3f8
#define ARRAY 0x1000000          /* 16 MiB: the array the memory loop walks */
#define ARRAY_MASK 0x3fffff8     /* 64 MiB, 8-byte slots */

    .section .multiboot, "a"
    .align 4
    .long 0x1badb002, 0, -0x1badb002

    .text
    .code32
    .globl _start
_start:
    cli
    mov $stack_top, %esp
    /* PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs of 2 MiB pages: 0-4 GiB, user, writable */
    mov $pml4, %edi
    mov $pdpt + 7, %eax
    mov %eax, (%edi)
    mov $pdpt, %edi
    mov $pd + 7, %eax
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $0x1000, %eax
    add $8, %edi
    loop 1b
    mov $pd, %edi
    mov $0x87, %eax
    xor %edx, %edx
    mov $2048, %ecx
2:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $0x200000, %eax
    adc $0, %edx
    add $8, %edi
    loop 2b
    mov $pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax              /* PAE */
    mov %eax, %cr4
    mov $0xc0000080, %ecx
    rdmsr
    or $0x100, %eax             /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax        /* PG | PE */
    mov %eax, %cr0
    lgdt gdtr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    /* iretq to ring 3: SS, RSP, RFLAGS (IOPL 3, IF 0), CS, RIP */
    pushq $0x23
    pushq $user_stack_top
    pushq $0x3002
    pushq $0x1b
    pushq $user
    iretq

user:
    mov $ITERS, %rcx
    mov $0x9e3779b97f4a7c15, %rax
    mov $0x0123456789abcdef, %rbx
    xor %rsi, %rsi
    mov $0x2545f4914f6cdd1d, %r8
#ifdef MEMORY
    mov $ARRAY, %rdi
    xor %r9, %r9
    .align 16
loop:                           /* 13 instructions */
    imul %r8, %rax
    add $0x3c6ef35f, %rax
    mov %rax, %rdx
    shr $29, %rdx
    and $ARRAY_MASK, %rdx
    mov (%rdi,%rdx), %r10
    add %rax, %r10
    mov %r10, (%rdi,%rdx)
    add (%rdi,%r9), %rsi
    add $64, %r9
    and $ARRAY_MASK, %r9
    dec %rcx
    jnz loop
#else
    .align 16
loop:                           /* 12 instructions */
    imul %r8, %rax
    mov %rax, %rdx
    shr $17, %rdx
    xor %rdx, %rax
    add %rax, %rbx
    rol $13, %rbx
    lea 1(%rsi,%rbx), %rsi
    xor %rbx, %rsi
    test $1, %al
    cmovnz %rsi, %rbx
    dec %rcx
    jnz loop
#endif
    add %rbx, %rsi
    add %rax, %rsi
    /* print "cpu-bench <kind> <16 hex digits>\n" */
    lea banner(%rip), %rdi
3:  movzbl (%rdi), %eax
    test %al, %al
    jz 4f
    call putc
    inc %rdi
    jmp 3b
4:  mov $16, %ecx
5:  rol $4, %rsi
    mov %esi, %eax
    and $15, %eax
    movzbl hexdigits(%rax), %eax
    call putc
    dec %ecx
    jnz 5b
    mov $'\n', %eax
    call putc
    xor %eax, %eax
    mov $0xf4, %dx
    out %eax, %dx
6:  jmp 6b                      /* no debug-exit device: spin (the runner's timeout ends it) */

putc:                           /* al: a byte to COM1, after THRE */
    mov %eax, %r11d
    mov $COM1 + 5, %dx
7:  in %dx, %al
    test $0x20, %al
    jz 7b
    mov $COM1, %dx
    mov %r11d, %eax
    out %al, %dx
    ret

    .data
    .align 16
gdt:
    .quad 0
    .quad 0x00209a0000000000    /* 0x08: ring-0 code, 64-bit */
    .quad 0x00cf92000000ffff    /* 0x10: ring-0 data */
    .quad 0x0020fa0000000000    /* 0x18 | 3 = 0x1b: ring-3 code, 64-bit */
    .quad 0x00cff2000000ffff    /* 0x20 | 3 = 0x23: ring-3 data */
gdt_end:
gdtr:
    .word gdt_end - gdt - 1
    .long gdt
banner:
#ifdef MEMORY
    .asciz "cpu-bench memory "
#else
    .asciz "cpu-bench compute "
#endif
hexdigits:
    .ascii "0123456789abcdef"

    .bss
    .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4096 * 4
    .skip 16384
stack_top:
    .skip 16384
user_stack_top:
