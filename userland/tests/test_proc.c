/* KTAP tests of processes, descriptors, files, pipes between processes, the heap and time. */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <cr/sysport.h>

KTEST(proc, spawn_and_wait_for_status)
{
	char *argv[] = { "hello", "x", NULL };
	int status = -1;
	pid_t pid = spawnv("/bin/hello", argv);

	KT_EXPECT(pid > getpid());
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT_EQ(status, 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), -1);		/* reaped: not ours any more */
	KT_EXPECT_EQ(errno, ECHILD);
}

KTEST(proc, a_faulting_child_reports_its_fault)
{
	char *argv[] = { "fault", NULL };
	int status = -1;
	pid_t pid = spawnv("/bin/fault", argv);

	KT_EXPECT(pid > 0);
	KT_EXPECT_EQ(wait(&status), pid);
	KT_EXPECT(WIFSIGNALED(status) && !WIFEXITED(status));	/* killed by a page fault */
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

KTEST(proc, spawn_errors)
{
	char *argv[] = { "x", NULL };

	errno = 0;
	KT_EXPECT_EQ(spawnv("/bin/no-such-program", argv), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(__sys_spawn("/bin/hello", "no-nul", 6, "", 0), -1);	/* argv not terminated */
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(__sys_spawn("/bin/hello", (void *)0x10, 4, "", 0), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(wait(NULL), -1);				/* no children left */
	KT_EXPECT_EQ(errno, ECHILD);
}

KTEST(proc, environment_reaches_the_child)
{
	char *argv[] = { "hello", NULL }, *envp[] = { "GREETING=hi", NULL };
	int fds[2], saved, status;
	char buf[256] = { 0 };

	KT_EXPECT_EQ(pipe(fds), 0);
	saved = dup(1);
	close(1);
	KT_EXPECT_EQ(dup(fds[1]), 1);			/* the child's stdout is the pipe */
	pid_t pid = spawnve("/bin/hello", argv, envp);
	close(1);
	KT_EXPECT_EQ(dup(saved), 1);
	close(saved);
	close(fds[1]);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	int n = 0, r;
	while ((r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	KT_EXPECT(n > 0);
	KT_EXPECT(strstr(buf, "[hello]") != NULL);
	KT_EXPECT(strstr(buf, "env GREETING=hi") != NULL);
	KT_EXPECT_EQ(r, 0);				/* end of file: every writer closed */
	close(fds[0]);
}

/* run_capture: spawn /bin/execer with argv, its stdout into buf; returns the child's status. */
static int
run_capture(char *argv[], char *buf, int size, pid_t *pid_out)
{
	int fds[2], saved, status = -1, n = 0, r;

	pipe(fds);
	saved = dup(1);
	close(1);
	dup(fds[1]);
	pid_t pid = spawnv("/bin/execer", argv);
	close(1);
	dup(saved);
	close(saved);
	close(fds[1]);
	while ((r = read(fds[0], buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	*pid_out = pid;
	return status;
}

KTEST(proc, exec_replaces_the_program_keeping_pid_and_descriptors)
{
	char *argv[] = { "execer", "hello", "again", NULL }, buf[256], want[64];
	pid_t pid;

	KT_EXPECT_EQ(run_capture(argv, buf, sizeof(buf), &pid), 0);
	snprintf(want, sizeof(want), "hello from pid %d: [hello] [again]", pid);
	KT_EXPECT(strstr(buf, want) != NULL);		/* same pid, stdout still the pipe */
}

KTEST(proc, failed_exec_leaves_the_program_running)
{
	char *argv[] = { "execer", "no-such", NULL }, buf[256];
	pid_t pid;

	KT_EXPECT_EQ(run_capture(argv, buf, sizeof(buf), &pid), W_EXITED(127));
	KT_EXPECT(strstr(buf, "No such file or directory (still pid") != NULL);
}

KTEST(proc, kill_unknown_pid_esrch)
{
	errno = 0;
	KT_EXPECT_EQ(kill(9999, 9), -1);
	KT_EXPECT_EQ(errno, ESRCH);
}

KTEST(proc, proclist_shows_this_process)
{
	struct procinfo pi[16];
	int n = proclist(pi, sizeof(pi)), found = 0;

	KT_EXPECT(n >= 1);
	for (int i = 0; i < n; i++)
		if (pi[i].pi_pid == getpid())
			found = strcmp(pi[i].pi_name, "test_proc") == 0 && pi[i].pi_state == 'R';
	KT_EXPECT(found);
}

KTEST(fd, initrd_files_read_and_seek)
{
	char magic[4];
	int fd = open("/bin/hello", O_RDONLY, 0);

	KT_EXPECT(fd >= 3);
	KT_EXPECT_EQ(read(fd, magic, 4), 4);
	KT_EXPECT(memcmp(magic, "\177ELF", 4) == 0);
	KT_EXPECT_EQ(lseek(fd, 1, SEEK_SET), 1);
	KT_EXPECT_EQ(read(fd, magic, 3), 3);
	KT_EXPECT(memcmp(magic, "ELF", 3) == 0);
	off_t end = lseek(fd, 0, SEEK_END);
	KT_EXPECT(end > 1000);
	KT_EXPECT_EQ(read(fd, magic, 4), 0);		/* end of file */
	errno = 0;
	KT_EXPECT_EQ(write(fd, "x", 1), -1);		/* opened read-only */
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT_EQ(close(fd), 0);
	errno = 0;
	KT_EXPECT_EQ(open("/bin/hello", O_WRONLY, 0), -1);	/* the initrd is read-only */
	KT_EXPECT_EQ(errno, EROFS);
}

KTEST(fd, created_files_write_read_truncate_append)
{
	char buf[16] = { 0 };
	int fd = open("/tmp/t1", O_RDWR | O_CREAT | O_TRUNC, 0644);

	KT_EXPECT(fd >= 0);
	KT_EXPECT_EQ(write(fd, "hello", 5), 5);
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 5);
	KT_EXPECT(memcmp(buf, "hello", 5) == 0);
	close(fd);
	fd = open("/tmp/t1", O_WRONLY | O_APPEND, 0);
	KT_EXPECT_EQ(write(fd, "!", 1), 1);
	close(fd);
	fd = open("/tmp/t1", O_RDONLY, 0);
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	fd = open("/tmp/t1", O_RDWR | O_TRUNC, 0);
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 0);	/* truncated */
	close(fd);
	/* A file with a hole: bytes never written read as zeros. */
	fd = open("/tmp/t2", O_RDWR | O_CREAT, 0644);
	KT_EXPECT_EQ(lseek(fd, 10000, SEEK_SET), 10000);
	KT_EXPECT_EQ(write(fd, "z", 1), 1);
	KT_EXPECT_EQ(lseek(fd, 5000, SEEK_SET), 5000);
	KT_EXPECT_EQ(read(fd, buf, 4), 4);
	KT_EXPECT(buf[0] == 0 && buf[3] == 0);
	close(fd);
}

KTEST(fd, dup_shares_the_offset)
{
	char c;
	int fd = open("/bin/hello", O_RDONLY, 0), fd2 = dup(fd);

	KT_EXPECT(fd2 > fd);
	KT_EXPECT_EQ(read(fd, &c, 1), 1);
	KT_EXPECT_EQ(lseek(fd2, 0, SEEK_CUR), 1);
	close(fd);
	KT_EXPECT_EQ(read(fd2, &c, 1), 1);		/* the file stays open through fd2 */
	close(fd2);
}

KTEST(fd, bad_descriptors_and_paths)
{
	char longpath[300];

	errno = 0;
	KT_EXPECT_EQ(close(77), -1);
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT_EQ(open("/nope", O_RDONLY, 0), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	KT_EXPECT_EQ(open(longpath, O_RDONLY, 0), -1);
	KT_EXPECT_EQ(errno, ENAMETOOLONG);
	KT_EXPECT_EQ(open((const char *)0x10, O_RDONLY, 0), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	KT_EXPECT_EQ(open("/bin/hello", 0x7fff0000, 0), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(lseek(0, 0, SEEK_SET), -1);	/* the console cannot seek */
	KT_EXPECT_EQ(errno, ESPIPE);
}

KTEST(fd, pipe_end_of_file_and_broken_pipe)
{
	int fds[2];
	char c;

	KT_EXPECT_EQ(pipe(fds), 0);
	close(fds[1]);
	KT_EXPECT_EQ(read(fds[0], &c, 1), 0);		/* no writer left: end of file */
	close(fds[0]);
	KT_EXPECT_EQ(pipe(fds), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);			/* else SIGPIPE ends the program */
	errno = 0;
	KT_EXPECT_EQ(write(fds[1], "x", 1), -1);	/* no reader left */
	KT_EXPECT_EQ(errno, EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);
}

KTEST(fd, pipe_fills_and_drains)
{
	static char big[10000], got[10000];
	int fds[2];
	struct write_msg w;

	KT_EXPECT_EQ(pipe(fds), 0);
	for (int i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)i;
	/* 4 KiB fit; the rest waits for room: send it asynchronously, then drain. The write call
	 * itself (__sys_write) answers what fit; libcr's write() would wait to write it all. */
	KT_EXPECT_EQ(__sys_write(fds[1], big, sizeof(big)), 4096);
	cr_write_msg(&w, fds[1], big + 4096, sizeof(big) - 4096);
	lwkt_sendmsg(cr_syscall_port, &w.hdr);
	int n = 0;
	while (n < 4096 + (int)(sizeof(big) - 4096)) {
		int r = read(fds[0], got + n, sizeof(got) - n);
		if (r <= 0)
			break;
		n += r;
		if (n == 4096 + 4096) {		/* the pending write moved what fit */
			KT_EXPECT_EQ(lwkt_waitmsg(&w.hdr, 0), 0);
			KT_EXPECT_EQ(w.hdr.ms_result, 4096);
			cr_write_msg(&w, fds[1], big + n, sizeof(big) - n);
			lwkt_sendmsg(cr_syscall_port, &w.hdr);
		}
	}
	lwkt_waitmsg(&w.hdr, 0);
	KT_EXPECT_EQ(n, (int)sizeof(big));
	KT_EXPECT(memcmp(big, got, sizeof(big)) == 0);
	close(fds[0]);
	close(fds[1]);
}

KTEST(mem, sbrk_grows_and_shrinks)
{
	char *old = sbrk(0), *p = sbrk(10000);

	KT_EXPECT(p == old);
	memset(p, 0x5a, 10000);				/* usable */
	KT_EXPECT(sbrk(0) == old + 10000);
	KT_EXPECT(sbrk(-10000) == old + 10000);
	KT_EXPECT(sbrk(0) == old);
	errno = 0;
	KT_EXPECT(sbrk(0x7fffffff) == (void *)-1);
	KT_EXPECT_EQ(errno, ENOMEM);
}

KTEST(time, sleep_and_clocks)
{
	struct timespec t0, t1, req = { 0, 30000000 };	/* 30 ms */

	KT_EXPECT_EQ(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	KT_EXPECT_EQ(nanosleep(&req, NULL), 0);
	KT_EXPECT_EQ(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	int64_t ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
	KT_EXPECT(ns >= 30000000);
	KT_EXPECT(time(NULL) > 1700000000);		/* the RTC says 2023 or later */
	KT_EXPECT_EQ(clock_gettime(5, &t0), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(sched_yield(), 0);
}
