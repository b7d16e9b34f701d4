/*
 * Freestanding multiboot (v1) guest for bench/pio-bench: from the loader's 32-bit protected
 * mode entry (flat segments, paging off, interrupts off) it writes port 0x80 ITERS times, each
 * write a PIO exit to the VMM (the machine's POST port: claimed, ignored, nothing logged), then
 * exits through isa-debug-exit (port 0xf4, value 0: exit status 1). It reads neither the
 * multiboot information nor memory, so the C runner (pio-kvm.c) needs only to load it.
 *
 * Build: gcc -nostdlib -static -no-pie -Wl,-T,pio-bench.ld -DITERS=N pio-bench.S,
 *        then objcopy -O elf32-i386 (multiboot v1 wants ELF32)
 */
    .section .multiboot, "a"
    .align 4
    .long 0x1badb002, 0, -0x1badb002

    .text
    .code32
    .globl _start
_start:
    cli
    mov $ITERS, %ecx
    xor %eax, %eax
1:  outb %al, $0x80
    dec %ecx
    jnz 1b
    outb %al, $0xf4
2:  hlt
    jmp 2b
