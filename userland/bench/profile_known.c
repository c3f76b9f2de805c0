/*
 * profile_known: a timed window whose functions execute known numbers of instructions, so that
 * tests/integration/test_profile.py can check what `invoke profile` attributes to each function,
 * module and call stack. Each of ROUNDS rounds calls known_caller (3 instructions of its own,
 * and known_leaf twice), known_leaf once more (202 instructions a call: one mov, 100 times
 * dec and jnz, one ret) and the null system call (libcr, then the kernel). It reports a
 * BENCH line like a benchmark (iterations=ROUNDS), so the profiler can run it.
 */
#include <stdio.h>
#include <sys/kbench.h>
#include <sys/syscalls.h>

#define ROUNDS	100

void	known_leaf(void);
void	known_caller(void);

/* Written in assembler so that their instruction counts are fixed, whatever the compiler. */
__asm__(".text\n"
	".globl known_leaf\n"
	".type known_leaf, @function\n"
	"known_leaf:\n"
	"	movl $100, %ecx\n"
	"1:	decl %ecx\n"
	"	jnz 1b\n"
	"	ret\n"
	".size known_leaf, . - known_leaf\n"
	".globl known_caller\n"
	".type known_caller, @function\n"
	"known_caller:\n"
	"	call known_leaf\n"
	"	call known_leaf\n"
	"	ret\n"
	".size known_caller, . - known_caller\n");

int
main(void)
{
	uint64_t t0 = kbench_start();
	for (int i = 0; i < ROUNDS; i++) {
		known_caller();
		known_leaf();
		cr_null();
	}
	uint64_t t1 = kbench_stop();
	printf("BENCH profile.known iterations=%d insns=%llu baseline=0\n", ROUNDS,
	    (unsigned long long)(t1 - t0));
	return 0;
}
