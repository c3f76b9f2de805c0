/*
 * In-kernel benchmarks, registered like tests: KBENCH(symbol, "name") puts a descriptor in the
 * .kbench section; `kbench=GLOB` on the command line runs those whose name matches. A benchmark
 * times its own loop with rdtsc (in deterministic mode the TSC counts guest instructions) and
 * reports through kbench_report; the kernel prints one line per benchmark:
 *
 *	BENCH <name> iterations=<N> insns=<T> baseline=<B>
 *
 * (T: TSC delta of N operations; B: the same loop doing nothing), or BENCH-ERROR <name> <why>.
 * The host computes (T - B) / N: see toolchain/bench.py and ../shared/BENCHMARKS.md.
 */
#ifndef _SYS_KBENCH_H_
#define _SYS_KBENCH_H_

#include <sys/types.h>

struct kbench_ctx {
	const char	*kb_name;
	uint32_t	kb_iterations;
	uint64_t	kb_insns;
	uint64_t	kb_baseline;
	const char	*kb_error;	/* set when the benchmark could not run */
	const char	*kb_skip;	/* set when it does not apply here (too few CPUs): no line */
};

struct kbench {
	const char	*kb_name;
	void		(*kb_fn)(struct kbench_ctx *kb);
};

/*
 * kbench_start and kbench_stop: read the TSC at the edges of a benchmark's timed loop, exactly
 * like rdtsc(), and list that rdtsc's address (with 1: start, 2: stop) in the section
 * .kbench_window, which is not loaded: `invoke profile` (docs/profile.md) counts from the
 * start reading to the stop reading, while the benchmark runs the very same instructions at
 * the very same addresses as with rdtsc(). In-kernel and in-guest benchmarks both use them.
 *
 * The assembler macro keeps the inline asm one statement long, like "rdtsc": gcc sizes an asm
 * by its statements, and a longer one changes how it lays out the code around it (and so the
 * instruction counts). It is defined once per file that includes this header (gcc keeps the
 * order of top-level asm and functions: -fno-toplevel-reorder).
 */
__asm__(".macro kbench_rdtsc kind\n"
	".Lkbench_rdtsc\\@: rdtsc\n"
	".pushsection .kbench_window,\"\",@progbits\n"
	".long .Lkbench_rdtsc\\@, \\kind\n"
	".popsection\n"
	".endm");

static inline uint64_t
kbench_start(void)
{
	uint64_t v;

	__asm__ volatile("kbench_rdtsc 1" : "=A"(v));
	return v;
}

static inline uint64_t
kbench_stop(void)
{
	uint64_t v;

	__asm__ volatile("kbench_rdtsc 2" : "=A"(v));
	return v;
}

#define KBENCH(sym, name)						\
	static void kbench_##sym(struct kbench_ctx *kb);		\
	static const struct kbench kbench_desc_##sym			\
	    __attribute__((section(".kbench"), used, aligned(4))) = {	\
		name, kbench_##sym };					\
	static void kbench_##sym(struct kbench_ctx *kb)

void	kbench_report(struct kbench_ctx *kb, uint32_t iterations, uint64_t insns, uint64_t baseline);
void	kbench_fail(struct kbench_ctx *kb, const char *why);
/* kbench_empty_loop: the TSC delta of n iterations of a loop that does nothing. */
uint64_t kbench_empty_loop(uint32_t n);
int	kbench_run(const char *glob);
extern uint64_t kbench_first_result_tsc;

#endif
