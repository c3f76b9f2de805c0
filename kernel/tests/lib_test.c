/* Kernel tests of the shared library code: formatting, strings, globbing, the command line. */
#include <sys/systm.h>
#include <sys/ktest.h>
#include <string.h>

KTEST(lib, snprintf_formats)
{
	char buf[64];

	KT_EXPECT_EQ(snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%08X|%s|%c|%%", -42, 7u, 0xab,
	    0xbeefu, "hi", 'z'), 30);
	KT_EXPECT(strcmp(buf, "-42|    7|ab  |0000BEEF|hi|z|%") == 0);
	snprintf(buf, sizeof(buf), "%lld %llx", -1234567890123LL, 0x123456789abcULL);
	KT_EXPECT(strcmp(buf, "-1234567890123 123456789abc") == 0);
}

KTEST(lib, snprintf_truncates)
{
	char buf[8];

	KT_EXPECT_EQ(snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	KT_EXPECT(strcmp(buf, "0123456") == 0);
}

KTEST(lib, glob_match)
{
	KT_EXPECT(glob_match("lwkt.*", "lwkt.switch"));
	KT_EXPECT(glob_match("*", ""));
	KT_EXPECT(glob_match("a?c", "abc"));
	KT_EXPECT(!glob_match("lwkt.*", "vm.page"));
	KT_EXPECT(!glob_match("a?c", "ac"));
	KT_EXPECT(glob_match("lwkt.*|syscall.null", "syscall.null"));
	KT_EXPECT(glob_match("lwkt.*|syscall.null", "lwkt.switch"));
	KT_EXPECT(!glob_match("lwkt.*|syscall.null", "syscall.null.ring"));
	KT_EXPECT(!glob_match("a|b", "a|b"));
}

/* Tests are selected by suite.name without the name being built: the match crosses the dot. */
KTEST(lib, ktest_selected_matches_suite_dot_name)
{
	struct ktest t = { .kt_suite = "lwkt", .kt_name = "switch" };
	struct ktest empty = { .kt_suite = "", .kt_name = "" };

	KT_EXPECT(ktest_selected(&t, NULL));
	KT_EXPECT(ktest_selected(&t, "lwkt.switch"));
	KT_EXPECT(ktest_selected(&t, "lwkt.*"));
	KT_EXPECT(ktest_selected(&t, "*.switch"));
	KT_EXPECT(ktest_selected(&t, "lwk*itch"));
	KT_EXPECT(ktest_selected(&t, "lwkt?switch"));
	KT_EXPECT(ktest_selected(&t, "*"));
	KT_EXPECT(!ktest_selected(&t, "lwkt"));
	KT_EXPECT(!ktest_selected(&t, "lwkt.switc"));
	KT_EXPECT(!ktest_selected(&t, "lwkt.switchx"));
	KT_EXPECT(!ktest_selected(&t, "lwktswitch"));
	KT_EXPECT(ktest_selected(&empty, "."));
	KT_EXPECT(!ktest_selected(&empty, ""));
}

KTEST(lib, memmove_overlap)
{
	char buf[16] = "abcdefgh";

	memmove(buf + 2, buf, 6);
	KT_EXPECT(memcmp(buf, "ababcdef", 8) == 0);
	memmove(buf, buf + 2, 6);
	KT_EXPECT(memcmp(buf, "abcdefef", 8) == 0);
}

KTEST(boot, cmdline_parsed)
{
	/* The test image passes ktap and ktest=...; a key that is only a prefix must not match. */
	KT_EXPECT(cmdline_flag("ktap"));
	KT_EXPECT(cmdline_get("ktest") != NULL);
	KT_EXPECT(!cmdline_flag("kt"));
	KT_EXPECT(cmdline_get("ktap") == NULL);	/* a flag has no value */
}

KTEST(boot, a_later_word_overrides_an_earlier_one)
{
	/* The test image's words come first; the harness may append its own. The last wins. */
	char saved[512];

	strlcpy(saved, cmdline(), sizeof(saved));
	cmdline_init("ktest=a.* init=x ktest=b.*");
	KT_EXPECT(strcmp(cmdline_get("ktest"), "b.*") == 0);
	KT_EXPECT(strcmp(cmdline_get("init"), "x") == 0);
	cmdline_init(saved);
}
