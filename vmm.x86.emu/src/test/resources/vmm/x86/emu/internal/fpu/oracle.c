/* Native oracle for the x87/MMX/SSE differential tests: runs one instruction (raw bytes) on
 * this x86-64 CPU from a full register state and prints the state after it.
 * Input line:  code fx(416 bytes) gpr(16 x 8 bytes) mem(64 or 512 bytes) rflags   (all hex)
 * Output line: OK fx gpr mem rflags | SIG vector mxcsr fsw */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

uint8_t fx_in[512] __attribute__((aligned(64)));
uint8_t fx_out[512] __attribute__((aligned(64)));
uint64_t gpr_in[16], gpr_out[16], flags_in, flags_out;
uint8_t *memp;
void *codep;
void run_insn(void);

__asm__(".text\n.globl run_insn\nrun_insn:\n"
        " push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
        " fxrstor64 fx_in(%rip)\n"
        " mov gpr_in+0(%rip), %rax\n mov gpr_in+8(%rip), %rcx\n mov gpr_in+16(%rip), %rdx\n"
        " mov gpr_in+24(%rip), %rbx\n mov gpr_in+64(%rip), %r8\n mov gpr_in+72(%rip), %r9\n"
        " mov gpr_in+80(%rip), %r10\n mov gpr_in+88(%rip), %r11\n"
        " mov memp(%rip), %rsi\n mov memp(%rip), %rdi\n"
        " pushq flags_in(%rip)\n popfq\n"
        " call *codep(%rip)\n"
        " pushfq\n popq flags_out(%rip)\n"
        " mov %rax, gpr_out+0(%rip)\n mov %rcx, gpr_out+8(%rip)\n mov %rdx, gpr_out+16(%rip)\n"
        " mov %rbx, gpr_out+24(%rip)\n mov %r8, gpr_out+64(%rip)\n mov %r9, gpr_out+72(%rip)\n"
        " mov %r10, gpr_out+80(%rip)\n mov %r11, gpr_out+88(%rip)\n"
        " fxsave64 fx_out(%rip)\n"
        " pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n");

static sigjmp_buf jb;
static volatile int sig_vec, sig_mxcsr, sig_fsw;

static void handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    sig_vec = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    if (uc->uc_mcontext.fpregs) {
        sig_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        sig_fsw = uc->uc_mcontext.fpregs->swd;
    }
    (void)si;
    (void)sig;
    siglongjmp(jb, 1);
}

static int hexval(int c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static char *readhex(char *p, uint8_t *out, int n) {
    while (*p == ' ') p++;
    for (int i = 0; i < n; i++, p += 2) out[i] = hexval(p[0]) << 4 | hexval(p[1]);
    return p;
}

static void puthex(const uint8_t *b, int n) {
    static const char *d = "0123456789abcdef";
    putchar(' ');
    for (int i = 0; i < n; i++) {
        putchar(d[b[i] >> 4]);
        putchar(d[b[i] & 15]);
    }
}

int main(void) {
    uint8_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *mem = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED || mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memp = mem + 4096 - 512;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, 0);
    sigaction(SIGILL, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    static char line[16384];
    while (fgets(line, sizeof line, stdin)) {
        char *p = line;
        int n = 0;
        uint8_t cb[32];
        while (*p == ' ') p++;
        while (*p != ' ' && n < 30) {
            cb[n++] = hexval(p[0]) << 4 | hexval(p[1]);
            p += 2;
        }
        memcpy(code, cb, n);
        code[n] = 0xc3;
        codep = code;
        memset(fx_in, 0, sizeof fx_in);
        p = readhex(p, fx_in, 416);
        p = readhex(p, (uint8_t *)gpr_in, 128);
        while (*p == ' ') p++;
        int memlen = 0;
        while (p[2 * memlen] != ' ' && p[2 * memlen] != 0) memlen++;
        p = readhex(p, memp, memlen);
        uint8_t fl[8];
        p = readhex(p, fl, 8);
        memcpy(&flags_in, fl, 8);
        memset(fx_out, 0, sizeof fx_out);
        if (sigsetjmp(jb, 1) == 0) {
            run_insn();
            printf("OK");
            puthex(fx_out, 416);
            puthex((uint8_t *)gpr_out, 128);
            puthex(memp, memlen);
            puthex((uint8_t *)&flags_out, 8);
            putchar('\n');
        } else {
            printf("SIG %d %x %x\n", sig_vec, sig_mxcsr, sig_fsw);
        }
    }
    return 0;
}
