/*
 * The guest side of bench/linux-boot-bench, a static program:
 *   linux-bench compute       a fixed integer/floating-point/memory workload; prints its time
 *   linux-bench time CMD...   runs CMD (fork + exec + wait) and prints how long it took
 * Times come from CLOCK_MONOTONIC, which runs at the host's rate in both VMMs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t compute(void) {
    enum { N = 1 << 16 };
    static uint32_t a[N];
    uint64_t x = 88172645463325252ULL, sum = 0;
    double d = 0;
    for (int round = 0; round < 120; round++) {
        for (int i = 0; i < N; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x >> 20) & (N - 1)] += (uint32_t) x;
            sum += a[i] * 3u + (x % 1000003);
            d += (double) (x & 0xffff) * 1e-3;
        }
    }
    return sum ^ (uint64_t) d;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "compute") == 0) {
        double t0 = now();
        uint64_t r = compute();
        printf("compute %.3f s (checksum %016llx)\n", now() - t0, (unsigned long long) r);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "time") == 0) {
        double t0 = now();
        pid_t pid = fork();
        if (pid == 0) {
            execv(argv[2], argv + 2);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("time %.3f s (status %d)\n", now() - t0, WEXITSTATUS(status));
        return 0;
    }
    fprintf(stderr, "usage: linux-bench compute | linux-bench time CMD [ARGS...]\n");
    return 2;
}
