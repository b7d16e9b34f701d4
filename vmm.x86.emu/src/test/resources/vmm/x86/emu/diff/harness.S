/* Enters a snippet with every general register and RFLAGS from g_in, and comes back at
 * case_exit (the snippet ends with a jump there) to store them into g_out. */
    .text
    .globl run_case, case_exit
run_case:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, g_host_rsp(%rip)
    pushq g_in+128(%rip)
    popfq
    mov g_in+0(%rip), %rax
    mov g_in+8(%rip), %rcx
    mov g_in+16(%rip), %rdx
    mov g_in+24(%rip), %rbx
    mov g_in+40(%rip), %rbp
    mov g_in+48(%rip), %rsi
    mov g_in+56(%rip), %rdi
    mov g_in+64(%rip), %r8
    mov g_in+72(%rip), %r9
    mov g_in+80(%rip), %r10
    mov g_in+88(%rip), %r11
    mov g_in+96(%rip), %r12
    mov g_in+104(%rip), %r13
    mov g_in+112(%rip), %r14
    mov g_in+120(%rip), %r15
    mov g_in+32(%rip), %rsp
    jmp *g_target(%rip)
case_exit:
    mov %rax, g_out+0(%rip)
    mov %rcx, g_out+8(%rip)
    mov %rdx, g_out+16(%rip)
    mov %rbx, g_out+24(%rip)
    mov %rsp, g_out+32(%rip)
    mov %rbp, g_out+40(%rip)
    mov %rsi, g_out+48(%rip)
    mov %rdi, g_out+56(%rip)
    mov %r8, g_out+64(%rip)
    mov %r9, g_out+72(%rip)
    mov %r10, g_out+80(%rip)
    mov %r11, g_out+88(%rip)
    mov %r12, g_out+96(%rip)
    mov %r13, g_out+104(%rip)
    mov %r14, g_out+112(%rip)
    mov %r15, g_out+120(%rip)
    mov g_host_rsp(%rip), %rsp
    pushfq
    popq g_out+128(%rip)
    cld
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .section .note.GNU-stack,"",@progbits
