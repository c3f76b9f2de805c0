/*
 * KTAP tests of the shell (docs/shell.md), run as `sh -c SCRIPT`: each case runs scripts and
 * checks their exit statuses and the files they wrote. tests/integration/test_shell.py drives
 * the same shell by hand through the console.
 */
#include <sys/ktest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ERR	"/tmp/sh_err"

/*
 * sh: run `sh -c script` to its end, its standard error into ERR (so the console shows no
 * expected complaint); answers its exit status, or -1 when it did not exit.
 */
static int
sh(const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	char *envp[] = { "PATH=/bin", NULL };
	int status, saved = dup(2), err = open(ERR, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;

	dup2(err, 2);
	pid = spawnve("/bin/sh", argv, envp);
	dup2(saved, 2);
	close(saved);
	close(err);

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* slurp: the file at path as a string in buf (empty when it cannot be read). */
static const char *
slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY, 0);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return buf;
}

#define OUT	"/tmp/sh_out"

/* KT_EXPECT_OUT: the script's status is 0 and it left want in OUT. */
#define KT_EXPECT_OUT(script, want) do {					\
	char buf_[256];								\
	unlink(OUT);								\
	KT_EXPECT_EQ(sh(script), 0);						\
	KT_EXPECT_EQ(strcmp(slurp(OUT, buf_, sizeof(buf_)), want), 0);		\
} while (0)

KTEST(sh, pipelines_join_their_commands)
{
	KT_EXPECT_OUT("echo hi | cat | wc -c > " OUT, "3\n");
	KT_EXPECT_OUT("echo a b c | cat | cat | wc -w > " OUT, "3\n");
	KT_EXPECT_EQ(sh("echo x | false"), 1);		/* a pipeline's status is its last's */
	KT_EXPECT_EQ(sh("false | true"), 0);
}

KTEST(sh, redirections_write_append_read_and_join)
{
	KT_EXPECT_OUT("echo a > " OUT "; echo b >> " OUT, "a\nb\n");
	KT_EXPECT_OUT("echo c > /tmp/sh_in; cat < /tmp/sh_in > " OUT, "c\n");
	KT_EXPECT_OUT("echo old > " OUT "; echo new > " OUT, "new\n");	/* > truncates */
	KT_EXPECT_EQ(sh("cat /tmp/sh_none 2> " OUT), 1);
	char buf[128];
	KT_EXPECT(strstr(slurp(OUT, buf, sizeof(buf)), "No such file") != NULL);
	KT_EXPECT_OUT("cat /tmp/sh_none > " OUT " 2>&1; true", "cat: /tmp/sh_none: No such file or directory\n");
	KT_EXPECT_OUT("echo x 1>&2 2> " OUT, "");	/* left to right: 1 went to the old 2 */
	unlink("/tmp/sh_in");
}

KTEST(sh, statuses_and_lists)
{
	KT_EXPECT_EQ(sh("false"), 1);
	KT_EXPECT_EQ(sh("exit 7"), 7);
	KT_EXPECT_EQ(sh("false || exit 3"), 3);
	KT_EXPECT_EQ(sh("true && exit 4; exit 5"), 4);
	KT_EXPECT_EQ(sh("false && exit 4; exit 5"), 5);
	KT_EXPECT_EQ(sh("nosuch"), 127);
	char buf[128];
	KT_EXPECT_EQ(strcmp(slurp(ERR, buf, sizeof(buf)), "sh: nosuch: No such file or directory\n"), 0);
	KT_EXPECT_OUT("false; echo $? > " OUT, "1\n");
	KT_EXPECT_OUT("echo one > " OUT " # echo two > " OUT, "one\n");
	KT_EXPECT_EQ(sh("echo | ; true"), 2);		/* syntax errors: nothing runs */
	KT_EXPECT_EQ(strcmp(slurp(ERR, buf, sizeof(buf)), "sh: syntax error near ;\n"), 0);
	KT_EXPECT_EQ(sh("echo 'open"), 2);
	KT_EXPECT_EQ(sh("echo a && && true"), 2);
	KT_EXPECT_EQ(sh("echo > ; true"), 2);
	unlink(ERR);
}

KTEST(sh, variables_reach_programs_only_when_exported)
{
	KT_EXPECT_OUT("V=1 env > " OUT, "PATH=/bin\nV=1\n");
	KT_EXPECT_OUT("V=1; sh -c 'echo [$V]' > " OUT, "[]\n");
	KT_EXPECT_OUT("export V=2; sh -c 'echo [$V]' > " OUT, "[2]\n");
	KT_EXPECT_OUT("V=3; export V; env | grep V= > " OUT, "V=3\n");
	KT_EXPECT_OUT("V=a; echo $V ${V}b \"$V\" '$V' \\$V > " OUT, "a ab a $V $V\n");
	KT_EXPECT_OUT("echo [$UNSET] \"$UNSET\" > " OUT, "[] \n");
	KT_EXPECT_OUT("V='a  b '; echo $V \"$V\" > " OUT, "a b a  b \n");	/* unquoted: split */
	KT_EXPECT_OUT("V='-c  -l'; echo hello | wc $V > " OUT, "1 6\n");	/* two arguments */
	KT_EXPECT_OUT("V=' '; echo [$V] > " OUT, "[ ]\n");
}

KTEST(sh, globs_match_directory_entries_sorted)
{
	mkdir("/tmp/shg", 0755);
	KT_ASSERT_EQ(sh("echo > /tmp/shg/b.c; echo > /tmp/shg/a.c; echo > /tmp/shg/c.h; echo > /tmp/shg/.d.c"), 0);
	KT_EXPECT_OUT("echo /tmp/shg/*.c > " OUT, "/tmp/shg/a.c /tmp/shg/b.c\n");
	KT_EXPECT_OUT("cd /tmp/shg; echo ?.? > " OUT, "a.c b.c c.h\n");
	KT_EXPECT_OUT("cd /tmp/shg; echo [ab].c > " OUT, "a.c b.c\n");
	KT_EXPECT_OUT("cd /tmp/shg; echo [!ab].* > " OUT, "c.h\n");
	KT_EXPECT_OUT("echo /tmp/sh*/c.* > " OUT, "/tmp/shg/c.h\n");
	KT_EXPECT_OUT("echo /tmp/shg/*.none '*' > " OUT, "/tmp/shg/*.none *\n");
	KT_EXPECT_OUT("cd /tmp/shg; V=*.c; echo \"$V\" > " OUT, "*.c\n");	/* no glob in an assignment */
	KT_EXPECT_OUT("cd /tmp/shg; V='*.c'; echo $V \"$V\" > " OUT, "a.c b.c *.c\n");
	sh("rm /tmp/shg/a.c /tmp/shg/b.c /tmp/shg/c.h /tmp/shg/.d.c; rm -d /tmp/shg");
	struct stat st;
	KT_EXPECT_EQ(stat("/tmp/shg", &st), -1);
}

KTEST(sh, background_jobs_and_wait)
{
	KT_EXPECT_OUT("sleep 0.05 & wait $!; echo $? > " OUT, "0\n");
	KT_EXPECT_OUT("false & wait; echo $? > " OUT, "1\n");
	KT_EXPECT_OUT("true && exit 6 & wait %1; echo $? > " OUT, "6\n");
	/* 128 + the signal: SIGKILL's 137 while kill ends a process whatever the signal, SIGTERM's
	 * 143 once signals exist (issue 12 item 2). */
	char buf[32];
	unlink(OUT);
	KT_EXPECT_EQ(sh("sleep 10 & kill %1; wait %1; echo $? > " OUT), 0);
	slurp(OUT, buf, sizeof(buf));
	KT_EXPECT(strcmp(buf, "137\n") == 0 || strcmp(buf, "143\n") == 0);
	KT_EXPECT_OUT("cd /tmp; pwd > " OUT, "/tmp\n");
	unlink(OUT);
}
