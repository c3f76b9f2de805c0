/*
 * KTAP tests, for the kernel and for user programs alike. A test is a function registered
 * with KTEST(suite, name): its descriptor goes into the .ktest section, so the runner finds
 * every test without a list to maintain, and the toolchain lists them from the ELF without
 * booting. Results are printed in KTAP v1: one subtest per suite, one result per case.
 *
 * Inside a test, `ktc` is the test's context:
 *	KT_EXPECT(cond)		record a failure (with file:line and the expression) if cond is false
 *	KT_EXPECT_EQ(a, b)	the same, printing both values
 *	KT_ASSERT(cond), KT_ASSERT_EQ(a, b)	the same, and the case ends there if it failed
 *	KT_SKIP("why")		stop here and report the case as skipped
 */
#ifndef _SYS_KTEST_H_
#define _SYS_KTEST_H_

#include <sys/types.h>

struct ktest_ctx {
	int		kc_failed;	/* expectations that failed */
	const char	*kc_skip;	/* why the case was skipped, or NULL */
	int		kc_indent;	/* the case's KTAP indentation */
};

/* The host lists tests from .ktest with this layout, read from each ELF's DWARF (toolchain/elfcheck.py). */
struct ktest {
	const char	*kt_suite;
	const char	*kt_name;
	void		(*kt_fn)(struct ktest_ctx *ktc);
	const char	*kt_file;
	int		kt_line;
};

#define KTEST(suite, name)						\
	static void ktest_##suite##_##name(struct ktest_ctx *ktc);	\
	static const struct ktest ktest_desc_##suite##_##name		\
	    __attribute__((section(".ktest"), used, aligned(4))) = {	\
		#suite, #name, ktest_##suite##_##name, __FILE__, __LINE__ }; \
	static void ktest_##suite##_##name(struct ktest_ctx *ktc)

#define KT_EXPECT(cond)							\
	ktest_expect(ktc, (cond) ? 1 : 0, #cond, __FILE__, __LINE__)
#define KT_EXPECT_EQ(a, b)						\
	ktest_expect_eq(ktc, (long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
#define KT_ASSERT(cond)							\
	do {								\
		int kt_ok_ = (cond) ? 1 : 0;				\
		ktest_expect(ktc, kt_ok_, #cond, __FILE__, __LINE__);	\
		if (!kt_ok_)						\
			return;						\
	} while (0)
#define KT_ASSERT_EQ(a, b)						\
	do {								\
		long long kt_a_ = (long long)(a), kt_b_ = (long long)(b); \
		ktest_expect_eq(ktc, kt_a_, kt_b_, #a, #b, __FILE__, __LINE__); \
		if (kt_a_ != kt_b_)					\
			return;						\
	} while (0)
#define KT_SKIP(reason)							\
	do { ktc->kc_skip = (reason); return; } while (0)

void	ktest_expect(struct ktest_ctx *ktc, int ok, const char *expr, const char *file, int line);
void	ktest_expect_eq(struct ktest_ctx *ktc, long long a, long long b, const char *as,
	    const char *bs, const char *file, int line);
void	ktest_diag(struct ktest_ctx *ktc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * ktest_run: run the tests in [begin, end) whose "suite.name" matches glob (NULL: all) as the
 * KTAP subtest `name` at indentation `indent`; the caller prints the subtest's own result line.
 * Returns the number of failed cases.
 */
int	ktest_run(const struct ktest *begin, const struct ktest *end, const char *name,
	    const char *glob, int indent);
/* glob_match: shell-style match of s against pattern ('*' any run, '?' one character). */
bool	glob_match(const char *pattern, const char *s);
/* ktest_selected: does glob (NULL: anything) match the test's full name, suite.name? */
bool	ktest_selected(const struct ktest *t, const char *glob);

#endif
