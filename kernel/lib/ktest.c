/*
 * The KTAP test runner shared by the kernel and libcr (see sys/ktest.h). It prints with
 * printf, which is the console in the kernel and standard output in a user program.
 */
#include <sys/ktest.h>
#include <stdarg.h>
#include <string.h>
#include <lib/format.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called before each result line when a side defines it (the kernel times its first result). */
void	ktest_result_hook(void) __attribute__((weak));
int vprintf(const char *fmt, va_list ap);

bool
glob_match(const char *pattern, const char *s)
{
	if (*pattern == '\0')
		return *s == '\0';
	if (*pattern == '*')
		return glob_match(pattern + 1, s) || (*s != '\0' && glob_match(pattern, s + 1));
	if (*s != '\0' && (*pattern == '?' || *pattern == *s))
		return glob_match(pattern + 1, s + 1);
	return false;
}

static bool
selected(const struct ktest *t, const char *glob)
{
	char full[128];

	if (glob == NULL)
		return true;
	snprintf(full, sizeof(full), "%s.%s", t->kt_suite, t->kt_name);
	return glob_match(glob, full);
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
		if (selected(u, glob) && strcmp(u->kt_suite, t->kt_suite) == 0)
			return false;
	return true;
}

static int
count_cases(const struct ktest *begin, const struct ktest *end, const char *suite, const char *glob)
{
	int n = 0;

	for (const struct ktest *t = begin; t < end; t++)
		if (selected(t, glob) && (suite == NULL || strcmp(t->kt_suite, suite) == 0))
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
		if (!selected(t, glob) || strcmp(t->kt_suite, suite) != 0)
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
		if (selected(t, glob) && first_of_suite(begin, t, glob))
			suites++;
	printf("%*sKTAP version 1\n%*s# Subtest: %s\n%*s1..%d\n", indent, "", indent, "", name,
	    indent, "", suites);
	for (const struct ktest *t = begin; t < end; t++) {
		if (!selected(t, glob) || !first_of_suite(begin, t, glob))
			continue;
		int f = run_suite(begin, end, t->kt_suite, glob, indent + 4);
		printf("%*s%s %d %s\n", indent, "", f ? "not ok" : "ok", ++number, t->kt_suite);
		failed += f;
	}
	return failed;
}
