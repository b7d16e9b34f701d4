/*
 * Native oracle for the differential tests: runs instruction snippets on the host CPU at the
 * same virtual addresses the emulated guest uses, and dumps registers, RFLAGS and the data
 * window after each one. Protocol (little-endian, stdin -> stdout):
 *   in:  u32 codeLen, code[codeLen] (placed at CODE_BASE), u32 nForms, then per form
 *        u32 start, u32 end (offsets in the code; a jump back to the harness goes at end)
 *        then per case: u32 form (0xffffffff ends), u64 gpr[16], u64 rflags, u32 memLen, mem
 *   out: per case: u64 gpr[16], u64 rflags, u32 memLen, mem (the window after the snippet)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define REGION_BASE 0x200000UL
#define REGION_SIZE 0x200000UL
#define CODE_BASE 0x200000UL
#ifndef MEM_BASE
#error "MEM_BASE: the data window, given by the test (Layout.MEM_BASE)"
#endif

uint64_t g_in[17], g_out[17], g_host_rsp, g_target;
extern void run_case(void);
extern char case_exit[];
static volatile uint32_t current_form = 0xffffffff;

static void die(const char *what) { perror(what); exit(2); }

static void fault(int sig) {
    char msg[96];
    int n = snprintf(msg, sizeof msg, "native fault: signal %d in form %u\n", sig, current_form);
    if (write(2, msg, n) < 0) { /* nothing more to do in a signal handler */ }
    _exit(3);
}

static void read_exact(void *p, size_t n) {
    if (fread(p, 1, n, stdin) != n) { fprintf(stderr, "short input\n"); exit(2); }
}

static void write_exact(const void *p, size_t n) {
    if (fwrite(p, 1, n, stdout) != n) die("fwrite");
}

int main(void) {
    void *r = mmap((void *) REGION_BASE, REGION_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (r == MAP_FAILED || r != (void *) REGION_BASE) die("mmap fixed region");
    signal(SIGSEGV, fault); signal(SIGILL, fault); signal(SIGFPE, fault);
    signal(SIGBUS, fault); signal(SIGTRAP, fault); signal(SIGALRM, fault);
    alarm(300); /* a snippet that never ends (a bad loop count) fails the run, not the build */
    uint32_t codeLen, nForms;
    read_exact(&codeLen, 4);
    if (codeLen > 0x100000) { fprintf(stderr, "code too long\n"); return 2; }
    read_exact((void *) CODE_BASE, codeLen);
    read_exact(&nForms, 4);
    uint32_t *starts = malloc(8UL * nForms);
    if (!starts) die("malloc");
    read_exact(starts, 8UL * nForms);
    for (uint32_t i = 0; i < nForms; i++) {
        /* jmp *0(%rip); .quad case_exit -- after each snippet, where the guest has HLT */
        uint32_t end = starts[2 * i + 1];
        if (end + 14 > 0x100000) { fprintf(stderr, "form %u out of range\n", i); return 2; }
        unsigned char *p = (unsigned char *) (CODE_BASE + end);
        p[0] = 0xff; p[1] = 0x25; p[2] = p[3] = p[4] = p[5] = 0;
        uint64_t target = (uint64_t) case_exit;
        memcpy(p + 6, &target, 8);
    }
    static unsigned char mem[0x10000];
    for (;;) {
        uint32_t form, memLen;
        read_exact(&form, 4);
        if (form == 0xffffffff) break;
        if (form >= nForms) { fprintf(stderr, "bad form %u\n", form); return 2; }
        read_exact(g_in, 17 * 8);
        read_exact(&memLen, 4);
        if (memLen > sizeof mem) { fprintf(stderr, "window too large\n"); return 2; }
        read_exact(mem, memLen);
        memcpy((void *) MEM_BASE, mem, memLen);
        current_form = form;
        g_target = CODE_BASE + starts[2 * form];
        run_case();
        write_exact(g_out, 17 * 8);
        write_exact(&memLen, 4);
        write_exact((void *) MEM_BASE, memLen);
    }
    if (fflush(stdout) != 0) die("fflush");
    return 0;
}
