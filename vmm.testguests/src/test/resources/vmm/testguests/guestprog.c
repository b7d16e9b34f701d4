/*
 * A static program run natively and inside the Linux guest on the software CPU: both outputs
 * must be identical. Each section prints values that depend on the CPU doing integer, x87,
 * SSE2 and string work right, and on the kernel's signals, processes, memory mapping, threads
 * and futexes working on it. Nothing here depends on time, PIDs or addresses.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

static uint64_t hash = 1469598103934665603ULL;

static void mix(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        hash = (hash ^ b[i]) * 1099511628211ULL;
    }
}

static void integers(void) {
    uint64_t x = 0x123456789abcdefULL, acc = 0;
    int64_t s = -987654321012345LL;
    for (int i = 1; i < 2000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        acc += x / (uint64_t) i + x % 97 + (x >> (i & 63)) + __builtin_popcountll(x) + __builtin_clzll(x | 1);
        s = s / 3 + (int64_t) (x % 1000) * (i & 1 ? -7 : 5);
        acc ^= (uint64_t) s << (i % 13);
        unsigned __int128 w = (unsigned __int128) x * acc;
        acc += (uint64_t) (w >> 64);
    }
    printf("int: acc=%016llx s=%lld bswap=%08x rot=%016llx\n", (unsigned long long) acc, (long long) s,
           __builtin_bswap32((uint32_t) acc), (unsigned long long) ((acc << 17) | (acc >> 47)));
}

static void x87(void) {
    long double a = 1.0L, sum = 0.0L;
    for (int i = 1; i <= 40; i++) {
        a = a * 1.5L / (long double) i;
        sum += sqrtl(a + i) + (long double) i / 7.0L;
    }
    long double pi = 4.0L * atanl(1.0L);
    printf("x87: sum=%.18Lg pi=%.18Lg sin=%.15Lg exp=%.15Lg log=%.15Lg\n", sum, pi, sinl(1.0L), expl(2.5L),
           logl(10.0L));
    printf("x87: ldexp=%.18Lg rem=%.18Lg floor=%.1Lf\n", ldexpl(sum, 100), fmodl(sum * 1000, 7.25L), floorl(-sum));
}

static void sse2(void) {
    double d = 0.0, v[64];
    float f = 0.0f;
    for (int i = 0; i < 64; i++) {
        v[i] = (double) i * 0.37 - 11.0 / (i + 1);
    }
    for (int r = 0; r < 50; r++) {
        for (int i = 0; i < 64; i++) {
            d += v[i] * v[(i * 7) % 64] / (1.0 + r);
            f += (float) v[i] * 0.5f;
        }
    }
    printf("sse2: d=%.17g f=%.9g sqrt=%.17g conv=%d,%lld,%.17g\n", d, f, sqrt(fabs(d)), (int) (d / 3),
           (long long) (d * 1e6), (double) (float) d);
    printf("sse2: pow=%.17g sin=%.17g atan2=%.17g cbrt=%.17g\n", pow(1.0001, 10000.0), sin(0.5), atan2(-1.0, -2.0),
           cbrt(27.5));
}

static void strings(void) {
    char buf[4096], other[4096];
    for (int i = 0; i < (int) sizeof buf; i++) {
        buf[i] = (char) ('a' + (i * 7) % 26);
    }
    buf[sizeof buf - 1] = 0;
    memcpy(other, buf, sizeof buf);
    memmove(other + 3, other, 1000);
    memmove(other + 2000, other + 2013, 777);
    memset(other + 100, 'Z', 333);
    mix(other, sizeof other);
    char *p = strstr(buf, "xelsz");
    char *q = strchr(buf, 'q');
    char *r = strrchr(buf, 'q');
    snprintf(other, sizeof other, "%s|%5.2f|%-8d|%x|%c", "fmt", 3.14159, -42, 48879, 'Q');
    printf("str: len=%zu cmp=%d ncmp=%d strstr=%ld chr=%ld rchr=%ld hash=%016llx fmt=%s\n", strlen(buf),
           strcmp(buf, other) > 0, strncmp(buf, buf + 26, 10), p ? (long) (p - buf) : -1L, (long) (q - buf),
           (long) (r - buf), (unsigned long long) hash, other);
}

static jmp_buf jump;
static volatile sig_atomic_t signals;

static void deeper(int n) {
    if (n == 0) {
        longjmp(jump, 42);
    }
    deeper(n - 1);
}

static void on_signal(int sig) {
    signals += sig;
}

static void on_segv(int sig) {
    (void) sig;
    siglongjmp(*(sigjmp_buf *) &jump, 7);
}

static void control(void) {
    int v = setjmp(jump);
    if (v == 0) {
        deeper(50);
    }
    printf("setjmp: came back with %d\n", v);
    signal(SIGUSR1, on_signal);
    signal(SIGUSR2, on_signal);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR2);
    printf("signals: sum=%d\n", (int) signals);
    struct sigaction sa = {0};
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    int w = sigsetjmp(*(sigjmp_buf *) &jump, 1);
    if (w == 0) {
        *(volatile int *) 16 = 1;
    }
    printf("segv: recovered with %d\n", w);
}

static void processes(const char *self) {
    int total = 0;
    for (int i = 0; i < 5; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            _exit(i * 3 + 1);
        }
        int status;
        waitpid(pid, &status, 0);
        total += WIFEXITED(status) ? WEXITSTATUS(status) : 1000;
    }
    printf("fork: exit codes sum=%d\n", total);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "child", (char *) NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("exec: child exited %d\n", WEXITSTATUS(status));
}

static void memory(void) {
    size_t len = 8 << 20;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        printf("mmap: failed\n");
        return;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < len; i += 4096) {
        m[i] = (unsigned char) (i >> 12);
    }
    for (size_t i = 0; i < len; i += 4096) {
        sum += m[i];
    }
    mprotect(m, 4096, PROT_READ);
    munmap(m + 4096, len / 2);
    sum += m[len - 4096];
    munmap(m, len);
    unsigned char *b = malloc(3 << 20);
    memset(b, 0x5a, 3 << 20);
    sum += b[(3 << 20) - 1];
    free(b);
    printf("mmap: sum=%llu\n", (unsigned long long) sum);
}

#define THREADS 4
static int futex_word;
static long shared_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
    long id = (long) arg;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&lock);
        shared_counter += id + 1;
        pthread_mutex_unlock(&lock);
    }
    __atomic_add_fetch(&futex_word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return (void *) (id * id);
}

static void threads(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, worker, (void *) i);
    }
    int seen;
    while ((seen = __atomic_load_n(&futex_word, __ATOMIC_SEQ_CST)) < THREADS) {
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
    }
    long ret = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        ret += (long) r;
    }
    printf("threads: counter=%ld returns=%ld\n", shared_counter, ret);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        return 33;
    }
    if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
        /* nanosleep(1 s) on CLOCK_MONOTONIC, without the cost of starting a program in the measure. */
        struct timespec a, b, one = {1, 0};
        clock_gettime(CLOCK_MONOTONIC, &a);
        nanosleep(&one, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("slept %ld ms\n", (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    integers();
    x87();
    sse2();
    strings();
    control();
    processes(argv[0]);
    memory();
    threads();
    printf("done\n");
    return 0;
}
