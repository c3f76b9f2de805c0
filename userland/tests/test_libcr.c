/* KTAP tests of libcr's first slice in ring 3: formatting, strings, errno, exit handlers. */
#include <sys/ktest.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

KTEST(printf, widths_and_padding)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "[%5d|%-5d|%05d|%x|%X|%p]", 42, 42, -42, 0xbeef, 0xbeef,
	    (void *)0x1000);
	KT_EXPECT(strcmp(buf, "[   42|42   |-0042|beef|BEEF|0x1000]") == 0);
}

KTEST(printf, long_long_and_unsigned)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lld %llu %i %u", -9223372036854775807LL - 1,
	    18446744073709551615ULL, -1, 4294967295u);
	KT_EXPECT(strcmp(buf, "-9223372036854775808 18446744073709551615 -1 4294967295") == 0);
}

KTEST(printf, strings_chars_percent)
{
	char buf[32];
	const char *volatile nothing = NULL;	/* volatile: gcc would reject a literal NULL for %s */

	KT_EXPECT_EQ(snprintf(buf, sizeof(buf), "%s|%.2s|%c|%%|%s", "abc", "xyz", 'q', nothing), 17);
	KT_EXPECT(strcmp(buf, "abc|xy|q|%|(null)") == 0);
}

KTEST(printf, to_stdout_counts)
{
	KT_EXPECT_EQ(printf("# printf from ring 3: %d\n", 7), 24);
}

KTEST(string, basics)
{
	char buf[16];

	KT_EXPECT_EQ(strlen("hello"), 5);
	KT_EXPECT(strcmp("abc", "abd") < 0);
	KT_EXPECT(strncmp("abcx", "abcy", 3) == 0);
	KT_EXPECT(strchr("hello", 'l') != NULL && *strchr("hello", 'l') == 'l');
	KT_EXPECT(strrchr("hello", 'l') == strchr("hello", 'l') + 1);
	strlcpy(buf, "truncate me please", 9);
	KT_EXPECT(strcmp(buf, "truncate") == 0);
	memset(buf, 'x', 4);
	KT_EXPECT(memcmp(buf, "xxxxcate", 8) == 0);
}

KTEST(errno, set_by_stub_in_userland)
{
	errno = 0;
	KT_EXPECT_EQ(write(9, "x", 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT(strcmp(strerror(EFAULT), "Bad address") == 0);
	KT_EXPECT(strcmp(errno_name(ENOSYS), "ENOSYS") == 0);
}

