#include <stdarg.h>
typedef unsigned long size_t;
static size_t my_strnlen(const char *s, size_t n) { size_t i = 0; while (i < n && s[i]) i++; return i; }
static void *my_memcpy(void *d, const void *s, size_t n) { char *a = d; const char *b = s; while (n--) *a++ = *b++; return d; }
static char *num(char *buf, char *end, unsigned long v, int base, int width) {
	char tmp[24]; int i = 0;
	do { tmp[i++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
	while (i < width--) { if (buf < end) *buf = ' '; buf++; }
	while (i--) { if (buf < end) *buf = tmp[i]; buf++; }
	return buf;
}
__attribute__((noinline)) int my_vsnprintf(char *buf, size_t size, const char *fmt, va_list args) {
	char *str = buf, *end = buf + size;
	while (*fmt) {
		const char *old = fmt;
		while (*fmt && *fmt != '%') fmt++;
		if (fmt != old) {
			int read = fmt - old, copy = read;
			if (str < end) { if (copy > end - str) copy = end - str; my_memcpy(str, old, copy); }
			str += read;
			continue;
		}
		fmt++;
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
		switch (*fmt++) {
		case 's': { const char *s = va_arg(args, const char *); size_t l = my_strnlen(s, 1000);
			for (size_t k = 0; k < l; k++) { if (str < end) *str = s[k]; str++; } break; }
		case 'd': { long v = va_arg(args, int); if (v < 0) { if (str < end) *str = '-'; str++; v = -v; }
			str = num(str, end, v, 10, width); break; }
		case 'x': str = num(str, end, va_arg(args, unsigned long), 16, width); break;
		default: break;
		}
	}
	if (size > 0) { if (str < end) *str = 0; else end[-1] = 0; }
	return str - buf;
}
__attribute__((noinline)) int my_snprintf(char *buf, size_t size, const char *fmt, ...) {
	va_list a; va_start(a, fmt); int r = my_vsnprintf(buf, size, fmt, a); va_end(a); return r;
}
long test(char *out) {
	char small[32];
	int n1 = my_snprintf(small, sizeof(small), "\0016Command line: %s\n", "console=ttyS0 earlyprintk=serial,ttyS0 lpj=1000000");
	int n2 = my_snprintf(out, 200, "\0016Command line: %s\n", "console=ttyS0 earlyprintk=serial,ttyS0 lpj=1000000");
	int n3 = my_snprintf(out + 100, 100, "%d %x %8d|%s", -12345, 0xdeadbeefUL, 42, "end");
	return n1 * 1000000L + n2 * 1000 + n3;
}
