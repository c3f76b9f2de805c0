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
};

struct kbench {
	const char	*kb_name;
	void		(*kb_fn)(struct kbench_ctx *kb);
};

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
