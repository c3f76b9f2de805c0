/*
 * The KTAP test runner shared by the kernel and libcr (see sys/ktest.h). It prints with
 * printf, which is the console in the kernel and standard output in a user program.
 */
#include <sys/ktest.h>
#include <stdarg.h>
#include <string.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called before each result line when a side defines it (the kernel times its first result). */
void	ktest_result_hook(void) __attribute__((weak));
int vprintf(const char *fmt, va_list ap);

/*
 * match_joined: shell-style match of pattern (up to its end or its first '|') against the
 * concatenation of s and the strings of more (NULL-terminated), without building it: a test's
 * name is suite "." name, and the runner matches every test at boot, so formatting each name
 * first would cost more than the match.
 */
static bool
match_joined(const char *pattern, const char *s, const char *const *more)
{
	while (*s == '\0' && *more != NULL)
		s = *more++;
	if (*pattern == '\0' || *pattern == '|')
		return *s == '\0';
	if (*pattern == '*')
		return match_joined(pattern + 1, s, more) ||
		    (*s != '\0' && match_joined(pattern, s + 1, more));
	if (*s != '\0' && (*pattern == '?' || *pattern == *s))
		return match_joined(pattern + 1, s + 1, more);
	return false;
}

/*
 * glob_match: shell-style match of s against pattern ('*' any run, '?' one character), or
 * against one of its alternatives separated by '|': an image that runs two kinds of benchmarks
 * names both (kbench=lwkt.*|syscall.null.ring.kpoll). Test selection (ktest_selected), which
 * matches every test at boot, takes one pattern only: looking for a '|' there cost 8% of
 * boot.first_result.
 */
bool
glob_match(const char *pattern, const char *s)
{
	static const char *const none[] = { NULL };

	for (;;) {
		if (match_joined(pattern, s, none))
			return true;
		if ((pattern = strchr(pattern, '|')) == NULL)
			return false;
		pattern++;
	}
}

/* ktest_selected: does the test's full name, suite.name, match glob (NULL: every test)? */
bool
ktest_selected(const struct ktest *t, const char *glob)
{
	const char *const rest[] = { ".", t->kt_name, NULL };

	return glob == NULL || match_joined(glob, t->kt_suite, rest);
}

void
ktest_diag(struct ktest_ctx *ktc, const char *fmt, ...)
{
	va_list ap;

	printf("%*s# ", ktc->kc_indent, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
ktest_expect(struct ktest_ctx *ktc, int ok, const char *expr, const char *file, int line)
{
	if (ok)
		return;
	ktc->kc_failed++;
	ktest_diag(ktc, "%s:%d: expected %s", file, line, expr);
}

void
ktest_expect_eq(struct ktest_ctx *ktc, long long a, long long b, const char *as, const char *bs,
    const char *file, int line)
{
	if (a == b)
		return;
	ktc->kc_failed++;
	ktest_diag(ktc, "%s:%d: expected %s == %s, got %lld (0x%llx) and %lld (0x%llx)",
	    file, line, as, bs, a, (unsigned long long)a, b, (unsigned long long)b);
}

/* first_of_suite: true when t is the first selected test of its suite in [begin, t]. */
static bool
first_of_suite(const struct ktest *begin, const struct ktest *t, const char *glob)
{
	for (const struct ktest *u = begin; u < t; u++)
		if (ktest_selected(u, glob) && strcmp(u->kt_suite, t->kt_suite) == 0)
			return false;
	return true;
}

static int
count_cases(const struct ktest *begin, const struct ktest *end, const char *suite, const char *glob)
{
	int n = 0;

	for (const struct ktest *t = begin; t < end; t++)
		if (ktest_selected(t, glob) && (suite == NULL || strcmp(t->kt_suite, suite) == 0))
			n++;
	return n;
}

/* run_suite: the cases of one suite, as a nested KTAP subtest; returns failures. */
static int
run_suite(const struct ktest *begin, const struct ktest *end, const char *suite,
    const char *glob, int indent)
{
	int number = 0, failed = 0;

	printf("%*sKTAP version 1\n%*s# Subtest: %s\n%*s1..%d\n", indent, "", indent, "",
	    suite, indent, "", count_cases(begin, end, suite, glob));
	for (const struct ktest *t = begin; t < end; t++) {
		if (!ktest_selected(t, glob) || strcmp(t->kt_suite, suite) != 0)
			continue;
		struct ktest_ctx ktc = { 0, NULL, indent };
		t->kt_fn(&ktc);
		number++;
		if (ktest_result_hook)
			ktest_result_hook();
		if (ktc.kc_skip != NULL)
			printf("%*sok %d %s # SKIP %s\n", indent, "", number, t->kt_name, ktc.kc_skip);
		else
			printf("%*s%s %d %s\n", indent, "", ktc.kc_failed ? "not ok" : "ok", number,
			    t->kt_name);
		failed += ktc.kc_failed != 0;
	}
	return failed;
}

int
ktest_run(const struct ktest *begin, const struct ktest *end, const char *name,
    const char *glob, int indent)
{
	int suites = 0, number = 0, failed = 0;

	for (const struct ktest *t = begin; t < end; t++)
		if (ktest_selected(t, glob) && first_of_suite(begin, t, glob))
			suites++;
	printf("%*sKTAP version 1\n%*s# Subtest: %s\n%*s1..%d\n", indent, "", indent, "", name,
	    indent, "", suites);
	for (const struct ktest *t = begin; t < end; t++) {
		if (!ktest_selected(t, glob) || !first_of_suite(begin, t, glob))
			continue;
		int f = run_suite(begin, end, t->kt_suite, glob, indent + 4);
		printf("%*s%s %d %s\n", indent, "", f ? "not ok" : "ok", ++number, t->kt_suite);
		failed += f;
	}
	return failed;
}
