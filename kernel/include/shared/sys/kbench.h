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
 *
 * A benchmark counted per CPU (docs/smp.md) times its loop with kbench_start_percpu() and
 * kbench_stop_percpu() instead, and ends its line with the CPU whose instructions it reports:
 *
 *	BENCH <name> iterations=<N> insns=<T> baseline=<B> cpu=<C>	(CPU C's instructions)
 *	BENCH <name> iterations=<N> insns=<T> baseline=<B> cpu=max	(the busiest CPU's: makespan)
 *
 * T stays the TSC delta (every CPU's instructions, and halted time); the host replaces it by
 * what CPU C (or the busiest) executed inside the window, counted by a QEMU plugin. One per-CPU
 * window per such line, in the order of the lines; B must be that CPU's own loop cost (0 when
 * negligible).
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
	int		kb_cpu;		/* counted per CPU: KBENCH_CPU_MAX or CPU number + 1; 0: not */
};

#define KBENCH_CPU_MAX	(-1)		/* kb_cpu: the busiest CPU's instructions (makespan) */

struct kbench {
	const char	*kb_name;
	void		(*kb_fn)(struct kbench_ctx *kb);
};

/*
 * kbench_start and kbench_stop (KBENCH_READING): read the TSC at the edges of a benchmark's
 * timed loop, exactly like rdtsc(), and list that rdtsc's address (with 1: start, 2: stop; 3
 * and 4 for a per-CPU window: kbench_start_percpu and kbench_stop_percpu) in the section
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

#define KBENCH_READING(name, kind)					\
	static inline uint64_t						\
	name(void)							\
	{								\
		uint64_t v;						\
									\
		__asm__ volatile("kbench_rdtsc " #kind : "=A"(v));	\
		return v;						\
	}

KBENCH_READING(kbench_start, 1)
KBENCH_READING(kbench_stop, 2)
/* kbench_start_percpu, kbench_stop_percpu: the same, for a window counted per CPU. */
KBENCH_READING(kbench_start_percpu, 3)
KBENCH_READING(kbench_stop_percpu, 4)

/*
 * The scaling benchmarks (lwkt.scale.kN in the kernel, proc.scale.kN in userland/bench/
 * bench_scale.c; docs/smp.md): a fixed compute-bound workload of KBENCH_SCALE_BLOCKS blocks of
 * KBENCH_SCALE_UNITS steps, split in equal shares over k CPUs. kbench_compute runs units steps
 * of a pseudo-random sequence from x: no memory, no branch but the loop's, the same
 * instructions whatever x is.
 */
#define KBENCH_SCALE_UNITS	1024
#define KBENCH_SCALE_BLOCKS	512

static inline uint32_t
kbench_compute(uint32_t units, uint32_t x)
{
	for (uint32_t i = 0; i < units; i++) {
		x = x * 1664525u + 1013904223u;
		x ^= x >> 13;
	}
	return x;
}

#define KBENCH(sym, name)						\
	static void kbench_##sym(struct kbench_ctx *kb);		\
	static const struct kbench kbench_desc_##sym			\
	    __attribute__((section(".kbench"), used, aligned(4))) = {	\
		name, kbench_##sym };					\
	static void kbench_##sym(struct kbench_ctx *kb)

void	kbench_report(struct kbench_ctx *kb, uint32_t iterations, uint64_t insns, uint64_t baseline);
void	kbench_fail(struct kbench_ctx *kb, const char *why);
/* kbench_report_cpu: kbench_report for a per-CPU window: cpu, or KBENCH_CPU_MAX, is counted. */
void	kbench_report_cpu(struct kbench_ctx *kb, uint32_t iterations, uint64_t insns,
	    uint64_t baseline, int cpu);
/* kbench_empty_loop: the TSC delta of n iterations of a loop that does nothing. */
uint64_t kbench_empty_loop(uint32_t n);
int	kbench_run(const char *glob);
extern uint64_t kbench_first_result_tsc;

#endif
