/* The in-kernel benchmark runner (sys/kbench.h). */
#include <sys/systm.h>
#include <sys/kbench.h>
#include <sys/ktest.h>
#include <machine/cpufunc.h>

extern const struct kbench __start_kbench[], __stop_kbench[];

uint64_t kbench_first_result_tsc;

/* ktest_result_hook: called by the shared KTAP runner for each result; note the first. */
void
ktest_result_hook(void)
{
	if (kbench_first_result_tsc == 0)
		kbench_first_result_tsc = kbench_stop();
}

void
kbench_report(struct kbench_ctx *kb, uint32_t iterations, uint64_t insns, uint64_t baseline)
{
	kb->kb_iterations = iterations;
	kb->kb_insns = insns;
	kb->kb_baseline = baseline;
}

void
kbench_report_cpu(struct kbench_ctx *kb, uint32_t iterations, uint64_t insns, uint64_t baseline,
    int cpu)
{
	kbench_report(kb, iterations, insns, baseline);
	kb->kb_cpu = cpu == KBENCH_CPU_MAX ? KBENCH_CPU_MAX : cpu + 1;
}

void
kbench_fail(struct kbench_ctx *kb, const char *why)
{
	kb->kb_error = why;
}

/*
 * kbench_empty_loop: the loop every benchmark runs, with nothing in it. The asm keeps gcc
 * from deleting or unrolling it, so it costs what a benchmark loop's own counting costs.
 */
uint64_t
kbench_empty_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

/* kbench_run: run every benchmark matching glob; returns how many could not run. */
int
kbench_run(const char *glob)
{
	int failed = 0;

	for (const struct kbench *b = __start_kbench; b < __stop_kbench; b++) {
		if (!glob_match(glob, b->kb_name))
			continue;
		struct kbench_ctx kb = { .kb_name = b->kb_name };
		b->kb_fn(&kb);
		if (kb.kb_skip != NULL) {
			printf("# benchmark %s skipped: %s\n", b->kb_name, kb.kb_skip);
			continue;
		}
		if (kb.kb_error != NULL || kb.kb_iterations == 0) {
			printf("BENCH-ERROR %s %s\n", b->kb_name,
			    kb.kb_error ? kb.kb_error : "reported no iterations");
			failed++;
			continue;
		}
		/* A per-CPU figure's line ends with the CPU counted (sys/kbench.h). */
		printf("BENCH %s iterations=%u insns=%llu baseline=%llu%s", b->kb_name,
		    kb.kb_iterations, (unsigned long long)kb.kb_insns,
		    (unsigned long long)kb.kb_baseline, kb.kb_cpu ? " cpu=" : "\n");
		if (kb.kb_cpu == KBENCH_CPU_MAX)
			printf("max\n");
		else if (kb.kb_cpu > 0)
			printf("%d\n", kb.kb_cpu - 1);
	}
	return failed;
}
