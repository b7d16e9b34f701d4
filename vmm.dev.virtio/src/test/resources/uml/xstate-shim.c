/*
 * LD_PRELOAD shim for user-mode Linux 6.1 on hosts whose XSAVE area is larger than UML's
 * 832-byte buffer (AVX-512, AMX). The host kernel refuses PTRACE_SETREGSET(NT_X86_XSTATE)
 * unless the whole area is given (EFAULT), so UML's init dies with "ptrace set fp regs
 * failed, errno = 14"; falling back to SETFPREGS is no better, as the AVX state then reads
 * as reset after every trap and glibc's vector string functions return garbage.
 * This shim completes UML's short buffer with the tracee's current state for the components
 * UML does not know (AVX-512, AMX), which is what that process already holds.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define NT_X86_XSTATE 0x202

static char full[65536] __attribute__((aligned(64)));

long ptrace(enum __ptrace_request request, ...)
{
	static long (*real)(enum __ptrace_request, ...);
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, request);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (long (*)(enum __ptrace_request, ...)) dlsym(RTLD_NEXT, "ptrace");
	if (request == PTRACE_SETREGSET && (long) addr == NT_X86_XSTATE) {
		struct iovec *short_iov = data;
		struct iovec whole = { full, sizeof(full) };

		if (real(PTRACE_GETREGSET, pid, addr, &whole) < 0)
			return -1;
		if (short_iov->iov_len < whole.iov_len) {
			memcpy(full, short_iov->iov_base, short_iov->iov_len);
			return real(PTRACE_SETREGSET, pid, addr, &whole);
		}
	}
	return real(request, pid, addr, data);
}
