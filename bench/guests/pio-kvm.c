/*
 * The C reference for bench/pio-bench: the smallest KVM run loop that boots the pio-bench guest
 * as our multiboot loader does (ELF32 PT_LOAD segments at their physical addresses, 32-bit
 * protected mode, flat 4 GiB segments, EAX = 0x2BADB002) and answers its port writes. It sets
 * up what our kvm driver sets up that could touch the exit path (TSS address, in-kernel
 * irqchip, PIT, the supported CPUID), counts the OUTs to port 0x80 and stops at the write to
 * isa-debug-exit (0xf4). Every ioctl's result is checked; a failure names the call and errno.
 *
 *   gcc -O2 -o pio-kvm pio-kvm.c && ./pio-kvm guest.elf   -> prints "pio-kvm <outs>"
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEM_SIZE (16UL << 20)

static void die(const char *what) {
    fprintf(stderr, "pio-kvm: %s: %s (errno %d)\n", what, strerror(errno), errno);
    exit(2);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name) {
    int r = ioctl(fd, req, arg);
    if (r < 0) die(name);
    return r;
}

static uint32_t load_elf(const char *path, uint8_t *mem) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die(path);
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    uint8_t *f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (f == MAP_FAILED) die("mmap guest");
    Elf32_Ehdr *eh = (Elf32_Ehdr *) f;
    if ((size_t) st.st_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS32) {
        fprintf(stderr, "pio-kvm: %s: not an ELF32 file\n", path);
        exit(2);
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf32_Phdr *ph = (Elf32_Phdr *) (f + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type != PT_LOAD) continue;
        if ((uint64_t) ph->p_paddr + ph->p_memsz > MEM_SIZE || ph->p_offset + ph->p_filesz > (uint64_t) st.st_size) {
            fprintf(stderr, "pio-kvm: %s: segment %d out of bounds\n", path, i);
            exit(2);
        }
        memcpy(mem + ph->p_paddr, f + ph->p_offset, ph->p_filesz);
        memset(mem + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
    }
    uint32_t entry = eh->e_entry;
    munmap(f, st.st_size);
    close(fd);
    return entry;
}

static void flat(struct kvm_segment *s, uint16_t selector, uint8_t type) {
    memset(s, 0, sizeof *s);
    s->base = 0; s->limit = 0xffffffff; s->selector = selector; s->type = type;
    s->present = 1; s->dpl = 0; s->db = 1; s->s = 1; s->l = 0; s->g = 1;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: pio-kvm guest.elf\n"); return 2; }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("open /dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) die("KVM_GET_API_VERSION");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0) die("KVM_SET_TSS_ADDR");
    xioctl(vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    xioctl(vm, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");

    uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) die("mmap guest memory");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE, .userspace_addr = (uint64_t) mem };
    xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
    uint32_t entry = load_elf(argv[1], mem);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < 0) die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");

    int nent = 256;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + nent * sizeof(struct kvm_cpuid_entry2));
    if (!cpuid) die("calloc");
    cpuid->nent = nent;
    xioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
    xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");

    struct kvm_sregs sregs;
    xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    flat(&sregs.cs, 0x10, 0xb);
    flat(&sregs.ds, 0x18, 0x3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.cr0 = (sregs.cr0 | 1) & ~(1UL << 31); /* PE, no paging */
    xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = entry, .rax = 0x2badb002, .rbx = 0, .rflags = 2 };
    xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

    unsigned long outs = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) continue;
            die("KVM_RUN");
        }
        if (run->exit_reason != KVM_EXIT_IO) {
            fprintf(stderr, "pio-kvm: unexpected exit reason %u after %lu OUTs\n", run->exit_reason, outs);
            return 3;
        }
        if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0xf4) break;
        if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x80) {
            outs += run->io.count;
            continue;
        }
        fprintf(stderr, "pio-kvm: unexpected %s of port 0x%x\n", run->io.direction ? "write" : "read", run->io.port);
        return 3;
    }
    printf("pio-kvm %lu\n", outs);
    return 0;
}
