/* Compiler-generated integer code of many shapes; test() fills out[] and returns a checksum. */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

static u32 crc32(const u8 *p, int n) {
	u32 c = 0xffffffff;
	for (int i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1));
	}
	return ~c;
}

static void sort(int *a, int n) {
	for (int i = 1; i < n; i++) {
		int v = a[i], j = i - 1;
		while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
		a[j + 1] = v;
	}
}

static __attribute__((noinline)) void move(u8 *d, const u8 *s, int n) {
	if (d < s) for (int i = 0; i < n; i++) d[i] = s[i];
	else for (int i = n - 1; i >= 0; i--) d[i] = s[i];
}

struct bits { unsigned a:3; signed b:7; unsigned c:13; signed d:9; } __attribute__((packed));

static __attribute__((noinline)) long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static __attribute__((noinline)) int classify(int x) {
	switch (x) {
	case 0: return 11; case 1: return 22; case 2: return 33; case 3: return 44;
	case 4: return 55; case 5: return 66; case 7: return 77; default: return -1;
	}
}

long test(char *out) {
	u64 sum = 0;
	u8 buf[64];
	for (int i = 0; i < 64; i++) buf[i] = (u8) (i * 37 + 11);
	u32 crc = crc32(buf, 64);
	*(u32 *) out = crc;
	int a[16] = {5, -3, 99, 0, 12, -45, 7, 7, 1000, -1000, 3, 2, 1, 0, -1, 64};
	sort(a, 16);
	for (int i = 0; i < 16; i++) ((int *) (out + 4))[i] = a[i];
	move(buf + 3, buf, 40);
	move(buf, buf + 5, 40);
	for (int i = 0; i < 64; i++) out[68 + i] = buf[i];
	volatile struct bits b = {5, -17, 4000, -200};
	struct bits c = b;
	out[132] = c.a; out[133] = c.b; *(short *) (out + 134) = c.c; *(short *) (out + 136) = c.d;
	unsigned __int128 m = (unsigned __int128) 0xfedcba9876543210UL * 0x123456789abcdefUL;
	*(u64 *) (out + 138) = (u64) (m >> 64);
	*(u64 *) (out + 146) = (u64) m;
	volatile u64 big = 0xffffffffffffffffUL, div = 12345;
	*(u64 *) (out + 154) = big / div;
	volatile long sn = -123456789012L, sd = 97;
	*(long *) (out + 162) = sn / sd;
	*(long *) (out + 170) = sn % sd;
	*(long *) (out + 178) = fib(18);
	for (int i = -2; i < 10; i++) sum += classify(i) * (i + 3);
	u64 x = 0x0123456789abcdefUL;
	*(int *) (out + 186) = __builtin_clzl(x) + 100 * __builtin_ctzl(x) + 10000 * __builtin_popcountl(x);
	*(u64 *) (out + 190) = __builtin_bswap64(x) ^ (x << 13 | x >> 51);
	volatile int sh = 37;
	*(u64 *) (out + 198) = (x >> (sh & 63)) + ((long) x >> 3) + ((u32) x << (sh & 31));
	volatile short s16 = -300;
	volatile signed char s8 = -7;
	*(long *) (out + 206) = (long) s16 * s8 + (unsigned short) s16 + (unsigned char) s8;
	u64 mix = 0;
	for (u64 k = 1; k < 200; k++) mix = (mix * 6364136223846793005UL + k) ^ (mix >> 29);
	*(u64 *) (out + 214) = mix;
	return (long) (sum + crc);
}
