/* Floating-point and SIMD work as gcc compiles it: SSE2 scalar and vectorised loops, x87
 * long double, conversions, and SSE intrinsics up to SSE4.1. Results go to out[]. */
#include <immintrin.h>

static int pos;

static void put(unsigned char *out, const void *p, int n) {
    const unsigned char *b = p;
    for (int i = 0; i < n; i++) out[pos++] = b[i];
}

static double seeds[] = {1.5, -2.25, 3.0e-310, 1e300, 0.1, 7.0, -0.0, 123456789.125, 1e-5, 2.5};
static float fseeds[16] = {1.5f, -2.25f, 3.0e-40f, 1e30f, 0.1f, 7.0f, -0.0f, 12345.678f,
                           1e-5f, 2.5f, 3.25f, -8.0f, 0.3f, 65504.0f, -1e-20f, 42.0f};

__attribute__((noinline)) static double scalar(void) {
    double acc = 1.0;
    for (int i = 0; i < 10; i++) {
        double s = seeds[i];
        acc = acc * 0.75 + s / 3.0;
        acc = acc - __builtin_sqrt(acc * acc + 1.0);
        if (acc < s) acc += 1.0 / (s + 4.0);
    }
    return acc;
}

__attribute__((noinline)) static void vectors(float *r) {
    for (int i = 0; i < 16; i++) r[i] = fseeds[i] * 1.5f + fseeds[15 - i] / 3.0f;
}

__attribute__((noinline)) static long double extended(long double x) {
    long double a = x;
    for (int i = 0; i < 8; i++) a = a * 1.0000001L + (long double) seeds[i] / 7.0L;
    return a / 3.0L;
}

__attribute__((target("sse4.1"))) __attribute__((noinline)) static void intrinsics(unsigned char *out) {
    __m128i a = _mm_setr_epi8(1, -2, 3, -4, 5, 0, 7, -8, 9, 10, 0, 12, -13, 14, 15, 127);
    __m128i b = _mm_setr_epi8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -128);
    int m = _mm_movemask_epi8(_mm_cmpeq_epi8(a, b));
    put(out, &m, 4);
    __m128i s = _mm_shuffle_epi8(a, _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    put(out, &s, 16);
    __m128i mx = _mm_max_epi8(a, b);
    put(out, &mx, 16);
    __m128i w = _mm_madd_epi16(_mm_unpacklo_epi8(a, b), _mm_unpackhi_epi8(b, a));
    put(out, &w, 16);
    __m128 f = _mm_setr_ps(1.25f, -2.5f, 1e20f, 3.0e-40f);
    __m128 r = _mm_round_ps(_mm_mul_ps(f, _mm_set1_ps(1.75f)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    put(out, &r, 16);
    __m128i c = _mm_cvtps_epi32(_mm_div_ps(f, _mm_set1_ps(0.3f)));
    put(out, &c, 16);
    __m128 d = _mm_dp_ps(f, _mm_set1_ps(2.0f), 0xf1);
    put(out, &d, 16);
    __m128i p = _mm_packus_epi32(_mm_setr_epi32(-5, 70000, 300, 65535), _mm_cvttps_epi32(f));
    put(out, &p, 16);
    long long e = _mm_extract_epi64(_mm_insert_epi32(a, 0x12345678, 3), 1);
    put(out, &e, 8);
}

long test(unsigned char *out) {
    pos = 0;
    double d = scalar();
    put(out, &d, 8);
    float v[16];
    vectors(v);
    put(out, v, 64);
    long double e = extended(2.0L);
    put(out, &e, 10);
    long long i = (long long) (e * 1e6L);
    put(out, &i, 8);
    int k = (int) (d * 1000.0);
    put(out, &k, 4);
    float f = (float) d;
    put(out, &f, 4);
    double back = (double) (i / 7);
    put(out, &back, 8);
    intrinsics(out);
    unsigned int csr = _mm_getcsr();
    put(out, &csr, 4);
    return pos;
}
