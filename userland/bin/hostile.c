/*
 * hostile: one hostile act per run, for userland/tests/test_hostile.c (docs/reliability.md).
 * Each mode either dies by the kernel's hand (the parent checks the exit status) or reports by
 * its own exit status.
 *
 *   hostile int N		execute `int $N`; exits 0 if it answered (the syscall gate)
 *   hostile stack		recurse until the stack runs into its guard
 *   hostile priv N		privileged instruction N (hlt, cli, in, out, lgdt, mov %cr3, wrmsr, ...)
 *   hostile peek ADDR	read the word at ADDR (hex); poke ADDR: write it
 *   hostile sel N		load a bad selector into a segment register
 *   hostile block FD	block in a read of FD until killed
 *   hostile sleep MS	sleep, then exit 0
 *   hostile spawnsleep MS FD	spawn `hostile sleep MS`, write its pid to FD, exit (an orphan)
 *   hostile killer PID FD	kill(PID); exit with the errno (0 if it succeeded)
 *   hostile secret RFD WFD	hold a secret; send its address on WFD; wait for a byte on RFD;
 *				exit 0 if the secret is intact
 *   hostile vcpus		rfork vCPUs (each blocks) until refused; exit with how many
 *   hostile threads		make user threads until refused; exit with how many (250: more)
 *   hostile malloc		malloc 64 KiB blocks (touching them) until refused; exit 0
 *   hostile forge		waitmsg of forged headers that claim EASYNC or EJUSTRETURN
 *   hostile deadreader FD	sleep 20 ms, then exit without reading FD
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/errno.h>
#include <sys/sysmsg.h>
#include <sys/syscalls.h>
#include <sys/vcpu.h>
#include <cr/thread.h>
#include <errno.h>

/* `int $N` for every N: 256 stubs of 4 bytes (0xcd N, ret, nop; spelled as bytes, since the
 * assembler writes `int $3` as the one-byte 0xcc). */
__asm__(".text\n.globl int_table\n.align 4\nint_table:\n"
	".set n, 0\n.rept 256\n\t.byte 0xcd, n\n\tret\n\tnop\n.set n, n + 1\n.endr\n");
extern char int_table[];

static int
do_int(int n)
{
	void (*stub)(void) = (void (*)(void))(int_table + 4 * n);
	int eax = 0;	/* for vector 128: a message at address 0, answered EFAULT */

	__asm__ volatile("call *%1" : "+a"(eax) : "r"(stub) : "memory", "ecx", "edx");
	return eax;
}

/* recurse: deeper without end (the compiler is told so: it is the point) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int
recurse(int depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	return recurse(depth + 1) + frame[0];
}
#pragma GCC diagnostic pop

static void
priv(int n)
{
	static const uint8_t gdtr[6];

	switch (n) {
	case 0: __asm__ volatile("hlt"); break;
	case 1: __asm__ volatile("cli"); break;
	case 2: __asm__ volatile("inb $0x60, %%al" : : : "eax"); break;
	case 3: __asm__ volatile("outb %%al, $0xf4" : : "a"(0)); break;	/* isa-debug-exit */
	case 4: __asm__ volatile("lgdt %0" : : "m"(gdtr)); break;
	case 5: __asm__ volatile("movl %%eax, %%cr3" : : "a"(0)); break;
	case 6: __asm__ volatile("wrmsr" : : "a"(0), "c"(0x1b), "d"(0)); break;	/* the APIC base */
	case 7: __asm__ volatile("lidt %0" : : "m"(gdtr)); break;
	case 8: __asm__ volatile("invlpg (%0)" : : "r"(0)); break;
	case 9: __asm__ volatile("movl %%eax, %%dr7" : : "a"(0)); break;
	}
}

#define PRIV_COUNT	10

static void
sel(int n)
{
	/* kernel code and data (RPL 3 on a DPL 0 descriptor), a GDT index past its end, and LDT
	 * selectors no tls_set made (slot 0 is libcr's own: not that one) */
	static const uint16_t sels[] = { 0x08, 0x10, 0x0b, 0x13, 0xfff3, 0x0967, 0x0f };
	uint16_t s = sels[n];

	switch (n % 3) {
	case 0: __asm__ volatile("movw %0, %%ds" : : "r"(s)); break;
	case 1: __asm__ volatile("movw %0, %%ss" : : "r"(s)); break;
	case 2: __asm__ volatile("movw %0, %%gs; movl %%gs:0, %%eax" : : "r"(s) : "eax"); break;
	}
}

#define SEL_COUNT	7

static char secret[4096] __attribute__((aligned(4096)));

static void
fill_secret(void)
{
	for (int i = 0; i < (int)sizeof(secret); i++)
		secret[i] = (char)(0xa5 ^ (i * 7));
}

static int
secret_intact(void)
{
	for (int i = 0; i < (int)sizeof(secret); i++)
		if (secret[i] != (char)(0xa5 ^ (i * 7)))
			return 0;
	return 1;
}

/* vcpu_block: a vCPU that reads an empty pipe (the message is its own: no stack, no TLS). */
__asm__(".text\n.globl vcpu_block\nvcpu_block:\n"
	"\tmovl 4(%esp), %eax\n\tint $0x80\n\tud2\n");
void vcpu_block(void);

static void *
idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		cr_thread_sleep(1000000000ull);
	return NULL;
}

static int
forge(void)
{
	int bad = 0;

	for (int claim = 0; claim < 2; claim++) {
		struct lwkt_msg target = { .ms_flags = MSGF_DONE | MSGF_REPLY,
			.ms_error = claim ? EASYNC : -2 };	/* -2: the kernel's EJUSTRETURN */
		struct waitmsg_msg w = { .hdr = { .ms_flags = MSGF_DONE, .ms_cmd = SYS_waitmsg },
			.umsg = &target };
		int eax;
		__asm__ volatile("int $0x80" : "=a"(eax) : "a"(&w) : "memory");
		bad += eax != EINVAL;				/* synchronous: answered, not hung */
		w.hdr.ms_flags = MSGF_ASYNC;
		__asm__ volatile("int $0x80" : "=a"(eax) : "a"(&w) : "memory");
		bad += eax != EINVAL;				/* asynchronous: answered, not leaked */
	}
	return bad;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long arg = argc > 2 ? strtol(argv[2], NULL, 0) : 0;

	if (strcmp(mode, "int") == 0)
		return do_int((int)arg) == EFAULT ? 0 : 1;
	if (strcmp(mode, "stack") == 0)
		return recurse(0);
	if (strcmp(mode, "priv") == 0) {
		priv((int)arg % PRIV_COUNT);
		return 0;
	}
	if (strcmp(mode, "peek") == 0)
		return *(volatile int *)strtoul(argv[2], NULL, 16);
	if (strcmp(mode, "poke") == 0) {
		*(volatile int *)strtoul(argv[2], NULL, 16) = 0x0badf00d;
		return 0;
	}
	if (strcmp(mode, "sel") == 0) {
		sel((int)arg % SEL_COUNT);
		return 0;
	}
	if (strcmp(mode, "block") == 0) {
		char c;
		read((int)arg, &c, 1);
		return 1;
	}
	if (strcmp(mode, "sleep") == 0 || strcmp(mode, "deadreader") == 0) {
		usleep((unsigned int)(strcmp(mode, "sleep") == 0 ? arg : 20) * 1000);
		return 0;
	}
	if (strcmp(mode, "spawnsleep") == 0) {
		char *sv[] = { "hostile", "sleep", argv[2], NULL };
		pid_t pid = spawnv("/bin/hostile", sv);
		write((int)strtol(argv[3], NULL, 0), &pid, sizeof(pid));
		return pid > 0 ? 0 : 1;
	}
	if (strcmp(mode, "killer") == 0)
		return kill((pid_t)arg, 9) == 0 ? 0 : errno;
	if (strcmp(mode, "secret") == 0) {
		uint32_t where = (uint32_t)secret;
		char c;
		fill_secret();
		write((int)strtol(argv[3], NULL, 0), &where, sizeof(where));
		read((int)arg, &c, 1);
		return secret_intact() ? 0 : 1;
	}
	if (strcmp(mode, "vcpus") == 0) {
		static int fds[2];
		static struct read_msg m;
		static char c;
		static uint8_t stacks[64][64] __attribute__((aligned(16)));
		int n = 0;
		pipe(fds);
		m = (struct read_msg){ .hdr = { .ms_flags = MSGF_DONE, .ms_cmd = SYS_read },
			.fd = fds[0], .buf = &c, .len = 1 };
		while (n < 64 && __sys_rfork(RFTHREAD | RFMEM, (uint32_t)vcpu_block,
		    (uint32_t)stacks[n + 1], (uint32_t)&m) > 0)
			n++;
		return errno == EAGAIN ? n : 255;
	}
	if (strcmp(mode, "threads") == 0) {
		cr_thread_t td;
		int n = 0;
		while (n < 4000 && cr_thread_create(&td, idle_thread, NULL, CR_PRI_DEFAULT, "idle") == 0) {
			n++;
			cr_thread_yield();
		}
		return n > 250 ? 250 : n;
	}
	if (strcmp(mode, "malloc") == 0) {
		size_t total = 0;
		char *p;
		while ((p = malloc(65536)) != NULL) {
			memset(p, 1, 65536);
			total += 65536;
		}
		return total >= 4u << 20 ? 0 : 1;		/* megabytes before the heap ran out */
	}
	if (strcmp(mode, "forge") == 0)
		return forge();
	fprintf(stderr, "hostile: unknown mode '%s'\n", mode);
	return 2;
}
