/*
 * Conformance tests of the POSIX system interfaces, written from POSIX.1-2017's text of each
 * function (DESCRIPTION, RETURN VALUE, ERRORS) the way an outside suite (the Open POSIX Test
 * Suite, LTP) would, not from Damselfly's code: open, read, write, close, lseek, dup, dup2,
 * pipe, stat, fstat, lstat, access, mkdir, rmdir, unlink, rename, opendir/readdir, chdir,
 * getcwd, fork, waitpid and its status macros, getppid, process groups and sessions, poll,
 * select, isatty, and the basics of <pthread.h>. Where POSIX allows two answers, both pass.
 */
#include <sys/ktest.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define D	"/tmp/conform"

/* setup: an empty working directory D for a case (what an earlier case left is removed). */
static void
setup(void)
{
	DIR *d = opendir(D);
	struct dirent *e;
	char path[PATH_MAX];

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), D "/%s", e->d_name);
			if (unlink(path) != 0)
				rmdir(path);
		}
		closedir(d);
	}
	mkdir(D, 0755);
}

/* -- open, read, write, close, lseek ------------------------------------------------------------- */

KTEST(open, answers_the_lowest_free_descriptor)
{
	int a, b, c;

	setup();
	a = open(D "/f", O_RDWR | O_CREAT, 0644);
	b = open(D "/f", O_RDONLY);
	KT_ASSERT(a >= 0 && b > a);
	close(a);
	/* "the file descriptor returned shall be the lowest file descriptor not currently open" */
	c = open(D "/f", O_RDONLY);
	KT_EXPECT_EQ(c, a);
	close(b);
	close(c);
}

KTEST(open, errors)
{
	char longname[NAME_MAX + 10];

	setup();
	errno = 0;
	KT_EXPECT_EQ(open(D "/missing", O_RDONLY), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(open("", O_RDONLY), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	close(open(D "/f", O_WRONLY | O_CREAT, 0644));
	errno = 0;
	KT_EXPECT_EQ(open(D "/f", O_WRONLY | O_CREAT | O_EXCL, 0644), -1);
	KT_EXPECT_EQ(errno, EEXIST);
	/* a path component that is not a directory */
	errno = 0;
	KT_EXPECT_EQ(open(D "/f/x", O_RDONLY), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(open(D "/f/x", O_WRONLY | O_CREAT, 0644), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	/* O_CREAT in a directory that does not exist */
	errno = 0;
	KT_EXPECT_EQ(open(D "/nodir/x", O_WRONLY | O_CREAT, 0644), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	/* "[EISDIR] The named file is a directory and oflag includes O_WRONLY or O_RDWR" */
	errno = 0;
	KT_EXPECT_EQ(open(D, O_RDWR), -1);
	KT_EXPECT_EQ(errno, EISDIR);
	/* a component longer than NAME_MAX */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	errno = 0;
	KT_EXPECT_EQ(open(longname, O_RDONLY), -1);
	KT_EXPECT_EQ(errno, ENAMETOOLONG);
	/* O_DIRECTORY on a file */
	errno = 0;
	KT_EXPECT_EQ(open(D "/f", O_RDONLY | O_DIRECTORY), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
}

KTEST(rw, access_mode_is_enforced_with_ebadf)
{
	char c = 'x';
	int r, w;

	setup();
	w = open(D "/f", O_WRONLY | O_CREAT, 0644);
	r = open(D "/f", O_RDONLY);
	KT_ASSERT(r >= 0 && w >= 0);
	/* read: "[EBADF] The fildes argument is not a valid file descriptor open for reading." */
	errno = 0;
	KT_EXPECT_EQ(read(w, &c, 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(write(r, &c, 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	close(r);
	close(w);
	/* a closed descriptor, and one out of range */
	errno = 0;
	KT_EXPECT_EQ(read(w, &c, 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(write(-1, &c, 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(close(w), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(close(OPEN_MAX + 5), -1);
	KT_EXPECT_EQ(errno, EBADF);
}

KTEST(rw, zero_bytes_eof_append_and_trunc)
{
	char buf[16];
	int fd;

	setup();
	fd = open(D "/f", O_RDWR | O_CREAT, 0644);
	KT_ASSERT(fd >= 0);
	/* write of 0 bytes to a regular file: 0 and nothing else */
	KT_EXPECT_EQ(write(fd, buf, 0), 0);
	KT_EXPECT_EQ(write(fd, "hello", 5), 5);
	/* at end of file read answers 0 */
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 0);
	KT_EXPECT_EQ(read(fd, buf, 0), 0);
	close(fd);
	/* O_APPEND: "the file offset shall be set to the end of the file prior to each write" */
	fd = open(D "/f", O_RDWR | O_APPEND);
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	KT_EXPECT_EQ(write(fd, "!!", 2), 2);
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 7);
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 7);
	KT_EXPECT(memcmp(buf, "hello!!", 7) == 0);
	close(fd);
	/* O_TRUNC: the length becomes 0 */
	fd = open(D "/f", O_WRONLY | O_TRUNC);
	struct stat st;
	KT_EXPECT_EQ(fstat(fd, &st), 0);
	KT_EXPECT(st.st_size == 0);
	close(fd);
}

KTEST(lseek, offsets_holes_and_errors)
{
	char buf[8];
	int fd, p[2];

	setup();
	fd = open(D "/f", O_RDWR | O_CREAT, 0644);
	KT_ASSERT(fd >= 0);
	write(fd, "abc", 3);
	KT_EXPECT(lseek(fd, 0, SEEK_END) == 3);
	KT_EXPECT(lseek(fd, -1, SEEK_END) == 2);
	KT_EXPECT(lseek(fd, -1, SEEK_CUR) == 1);
	/* "[EINVAL] The whence argument is not a proper value, or the resulting file offset would be
	 * negative"; the offset is unchanged after a failure. */
	errno = 0;
	KT_EXPECT(lseek(fd, -5, SEEK_SET) == -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(lseek(fd, -10, SEEK_CUR) == -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(lseek(fd, 0, 42) == -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT(lseek(fd, 0, SEEK_CUR) == 1);
	/* "The lseek() function shall allow the file offset to be set beyond the end of the
	 * existing data ... subsequent reads of data in the gap shall return bytes with the value
	 * 0 until data is actually written into the gap." */
	KT_EXPECT(lseek(fd, 6, SEEK_SET) == 6);
	KT_EXPECT(lseek(fd, 0, SEEK_END) == 3);		/* seeking alone does not extend */
	KT_EXPECT(lseek(fd, 6, SEEK_SET) == 6);
	KT_EXPECT_EQ(write(fd, "z", 1), 1);
	KT_EXPECT(lseek(fd, 0, SEEK_SET) == 0);
	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 7);
	KT_EXPECT(memcmp(buf, "abc\0\0\0z", 7) == 0);
	close(fd);
	/* "[ESPIPE] The fildes argument is associated with a pipe, FIFO, or socket." */
	KT_ASSERT(pipe(p) == 0);
	errno = 0;
	KT_EXPECT(lseek(p[0], 0, SEEK_CUR) == -1);
	KT_EXPECT_EQ(errno, ESPIPE);
	close(p[0]);
	close(p[1]);
	errno = 0;
	KT_EXPECT(lseek(p[0], 0, SEEK_CUR) == -1);
	KT_EXPECT_EQ(errno, EBADF);
}

/* -- dup, dup2 ----------------------------------------------------------------------------------- */

KTEST(dup, shares_the_offset_and_takes_the_lowest)
{
	int fd, d;
	char c;

	setup();
	fd = open(D "/f", O_RDWR | O_CREAT, 0644);
	write(fd, "abcdef", 6);
	lseek(fd, 0, SEEK_SET);
	d = dup(fd);
	KT_ASSERT(d > fd);
	KT_EXPECT_EQ(read(fd, &c, 1), 1);
	KT_EXPECT(lseek(d, 0, SEEK_CUR) == 1);		/* one open file description */
	KT_EXPECT_EQ(read(d, &c, 1), 1);
	KT_EXPECT_EQ(c, 'b');
	/* dup2(fd, fd): "dup2() shall return fildes2 without closing it" */
	KT_EXPECT_EQ(dup2(d, d), d);
	KT_EXPECT_EQ(read(d, &c, 1), 1);
	/* dup2 onto an open descriptor closes it first; the result shares the offset */
	KT_EXPECT_EQ(dup2(fd, d), d);
	KT_EXPECT(lseek(d, 0, SEEK_CUR) == 3);
	/* "[EBADF] The fildes argument is not a valid open file descriptor or the argument
	 * fildes2 is negative or greater than or equal to {OPEN_MAX}." */
	errno = 0;
	KT_EXPECT_EQ(dup2(fd, -1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(dup2(fd, OPEN_MAX), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(dup2(OPEN_MAX - 1, d), -1);
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT(lseek(d, 0, SEEK_CUR) == 3);		/* a failed dup2 does not close fildes2 */
	/* dup2 on an invalid fildes with fildes2 == fildes is EBADF too */
	errno = 0;
	KT_EXPECT_EQ(dup2(OPEN_MAX - 1, OPEN_MAX - 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(dup(-1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	close(d);
	close(fd);
}

KTEST(dup, emfile_when_the_table_is_full)
{
	int fds[OPEN_MAX], n = 0, fd;

	while (n < OPEN_MAX && (fd = dup(0)) >= 0)
		fds[n++] = fd;
	/* "[EMFILE] All file descriptors available to the process are currently open." */
	KT_EXPECT_EQ(errno, EMFILE);
	errno = 0;
	KT_EXPECT_EQ(open("/bin/sh", O_RDONLY), -1);
	KT_EXPECT_EQ(errno, EMFILE);
	int p[2];
	errno = 0;
	KT_EXPECT_EQ(pipe(p), -1);
	KT_EXPECT_EQ(errno, EMFILE);
	while (n > 0)
		close(fds[--n]);
}

/* -- pipes --------------------------------------------------------------------------------------- */

KTEST(pipe, eof_epipe_and_order)
{
	int p[2];
	char buf[8];
	void (*old)(int);

	KT_ASSERT(pipe(p) == 0);
	/* "fildes[0] ... open for reading and fildes[1] ... open for writing" */
	errno = 0;
	KT_EXPECT_EQ(write(p[0], "x", 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(read(p[1], buf, 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT_EQ(write(p[1], "abc", 3), 3);
	KT_EXPECT_EQ(read(p[0], buf, 2), 2);
	KT_EXPECT_EQ(read(p[0], buf + 2, 8), 1);
	KT_EXPECT(memcmp(buf, "abc", 3) == 0);
	/* "When attempting to read from an empty pipe: If no process has the pipe open for
	 * writing, read() shall return 0 to indicate end-of-file." */
	close(p[1]);
	KT_EXPECT_EQ(read(p[0], buf, 1), 0);
	close(p[0]);
	/* write with no reader: EPIPE, and SIGPIPE (ignored here) */
	KT_ASSERT(pipe(p) == 0);
	close(p[0]);
	old = signal(SIGPIPE, SIG_IGN);
	errno = 0;
	KT_EXPECT_EQ(write(p[1], "x", 1), -1);
	KT_EXPECT_EQ(errno, EPIPE);
	signal(SIGPIPE, old);
	close(p[1]);
}

/* big_writer: write n bytes into fd in one call; 0 when write answered n, else 1 */
static int
big_writer(int fd, size_t n)
{
	char *buf = malloc(n);

	memset(buf, 'w', n);
	ssize_t r = write(fd, buf, n);
	return r == (ssize_t)n ? 0 : 1;
}

KTEST(pipe, a_blocking_write_writes_everything)
{
	/* "If the O_NONBLOCK flag is clear, a write request may cause the thread to block, but on
	 * normal completion it shall return nbyte." */
	int p[2], status = -1;
	size_t total = 3 * PIPE_BUF + 100, got = 0;
	char buf[512];
	ssize_t r;

	KT_ASSERT(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(big_writer(p[1], total));
	}
	close(p[1]);
	while ((r = read(p[0], buf, sizeof(buf))) > 0)
		got += (size_t)r;
	close(p[0]);
	KT_EXPECT_EQ(got, total);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

KTEST(pipe, writes_of_pipe_buf_or_less_are_atomic)
{
	/* "Write requests of {PIPE_BUF} bytes or less shall not be interleaved with data from
	 * other processes doing writes on the same pipe." Two children write PIPE_BUF-byte blocks
	 * of their own letter; every PIPE_BUF-aligned block read must be of one letter. */
	int p[2], status;
	static char block[PIPE_BUF];
	pid_t kids[2];

	KT_ASSERT(pipe(p) == 0);
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			close(p[0]);
			memset(block, 'a' + k, sizeof(block));
			for (int i = 0; i < 40; i++)
				if (write(p[1], block, sizeof(block)) != (ssize_t)sizeof(block))
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	size_t got = 0, fill = 0;
	int mixed = 0;
	ssize_t r;
	while ((r = read(p[0], block + fill, sizeof(block) - fill)) > 0) {
		fill += (size_t)r;
		got += (size_t)r;
		if (fill == sizeof(block)) {
			for (size_t i = 1; i < fill; i++)
				if (block[i] != block[0])
					mixed = 1;
			fill = 0;
		}
	}
	close(p[0]);
	KT_EXPECT_EQ(got, 80u * PIPE_BUF);
	KT_EXPECT(!mixed);
	for (int k = 0; k < 2; k++) {
		KT_EXPECT_EQ(waitpid(kids[k], &status, 0), kids[k]);
		KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

KTEST(pipe, pollout_means_a_pipe_buf_write_does_not_block)
{
	/* poll: "POLLOUT Normal data may be written without blocking." A write of PIPE_BUF bytes
	 * or less goes whole; so while the write end polls ready, such writes never wait, and the
	 * pipe fills up in a bounded number of them. */
	static char block[PIPE_BUF];
	struct pollfd pf;
	int p[2], writes = 0;
	size_t total = 0;

	KT_ASSERT(pipe(p) == 0);
	KT_EXPECT_EQ(write(p[1], "x", 1), 1);		/* not aligned to PIPE_BUF */
	total = 1;
	pf = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	while (poll(&pf, 1, 0) == 1 && (pf.revents & POLLOUT) && writes < 1000) {
		KT_ASSERT(write(p[1], block, sizeof(block)) == (ssize_t)sizeof(block));
		total += sizeof(block);
		writes++;
	}
	KT_EXPECT(writes > 0 && writes < 1000);
	/* full: not ready, and a reader that drains makes it ready again */
	KT_EXPECT_EQ(poll(&pf, 1, 0), 0);
	char sink[PIPE_BUF];
	KT_EXPECT_EQ(read(p[0], sink, sizeof(sink)), (ssize_t)sizeof(sink));
	KT_EXPECT_EQ(poll(&pf, 1, 0), 1);
	KT_EXPECT(total > sizeof(sink));
	close(p[0]);
	close(p[1]);
}

/* -- stat, fstat, lstat, access ------------------------------------------------------------------ */

KTEST(stat, types_sizes_and_errors)
{
	struct stat st, st2;
	int fd, p[2];

	setup();
	fd = open(D "/f", O_RDWR | O_CREAT, 0644);
	write(fd, "12345", 5);
	KT_EXPECT_EQ(fstat(fd, &st), 0);
	KT_EXPECT(S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISFIFO(st.st_mode));
	KT_EXPECT(st.st_size == 5);
	KT_EXPECT(st.st_nlink == 1);
	KT_EXPECT_EQ(stat(D "/f", &st2), 0);
	KT_EXPECT(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	KT_EXPECT_EQ(lstat(D "/f", &st2), 0);
	KT_EXPECT(st.st_ino == st2.st_ino);
	close(fd);
	KT_EXPECT_EQ(stat(D, &st), 0);
	KT_EXPECT(S_ISDIR(st.st_mode));
	KT_EXPECT(st.st_nlink >= 2);
	KT_ASSERT(pipe(p) == 0);
	KT_EXPECT_EQ(fstat(p[0], &st), 0);
	KT_EXPECT(S_ISFIFO(st.st_mode));
	close(p[0]);
	close(p[1]);
	errno = 0;
	KT_EXPECT_EQ(fstat(p[0], &st), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(stat(D "/missing", &st), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(stat("", &st), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(stat(D "/f/x", &st), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	/* a trailing slash on a file: "shall be resolved as if ... the last component names a
	 * directory": ENOTDIR */
	errno = 0;
	KT_EXPECT_EQ(stat(D "/f/", &st), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	KT_EXPECT_EQ(stat(D "/", &st), 0);
}

KTEST(access, existence_and_amode)
{
	setup();
	close(open(D "/f", O_WRONLY | O_CREAT, 0644));
	KT_EXPECT_EQ(access(D "/f", F_OK), 0);
	KT_EXPECT_EQ(access(D "/f", R_OK | W_OK), 0);
	KT_EXPECT_EQ(access(D, R_OK | W_OK | X_OK), 0);
	errno = 0;
	KT_EXPECT_EQ(access(D "/missing", F_OK), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(access(D "/f", 0x40), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* "[EROFS] Write access is requested for a file on a read-only file system." */
	errno = 0;
	KT_EXPECT_EQ(access("/bin/sh", W_OK), -1);
	KT_EXPECT_EQ(errno, EROFS);
	KT_EXPECT_EQ(access("/bin/sh", X_OK), 0);
}

/* -- directories --------------------------------------------------------------------------------- */

KTEST(dir, mkdir_rmdir_errors)
{
	setup();
	KT_EXPECT_EQ(mkdir(D "/d", 0755), 0);
	errno = 0;
	KT_EXPECT_EQ(mkdir(D "/d", 0755), -1);
	KT_EXPECT_EQ(errno, EEXIST);
	errno = 0;
	KT_EXPECT_EQ(mkdir(D "/no/d", 0755), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	close(open(D "/d/f", O_WRONLY | O_CREAT, 0644));
	/* "[EEXIST] or [ENOTEMPTY] The path argument names a directory that is not empty" */
	errno = 0;
	KT_EXPECT_EQ(rmdir(D "/d"), -1);
	KT_EXPECT(errno == ENOTEMPTY || errno == EEXIST);
	errno = 0;
	KT_EXPECT_EQ(rmdir(D "/d/f"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	/* "If the path argument refers to a path whose final component is either dot or dot-dot,
	 * rmdir() shall fail." [EINVAL] for dot */
	errno = 0;
	KT_EXPECT_EQ(rmdir(D "/d/."), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(rmdir(D "/d/.."), -1);
	KT_EXPECT(errno == EINVAL || errno == ENOTEMPTY || errno == EEXIST);
	errno = 0;
	KT_EXPECT_EQ(rmdir(D "/missing"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	/* unlink of a directory: [EPERM] (POSIX; Linux says EISDIR) */
	errno = 0;
	KT_EXPECT_EQ(unlink(D "/d"), -1);
	KT_EXPECT(errno == EPERM || errno == EISDIR);
	errno = 0;
	KT_EXPECT_EQ(unlink(D "/missing"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(unlink(D "/d/f"), 0);
	KT_EXPECT_EQ(rmdir(D "/d"), 0);
	errno = 0;
	KT_EXPECT_EQ(rmdir(D "/d"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	/* mkdir with a trailing slash makes the directory */
	KT_EXPECT_EQ(mkdir(D "/e/", 0755), 0);
	struct stat st;
	KT_EXPECT_EQ(stat(D "/e", &st), 0);
	KT_EXPECT(S_ISDIR(st.st_mode));
	KT_EXPECT_EQ(rmdir(D "/e/"), 0);
}

KTEST(dir, an_unlinked_open_file_stays_readable)
{
	char buf[4];
	int fd;

	setup();
	fd = open(D "/f", O_RDWR | O_CREAT, 0644);
	write(fd, "abc", 3);
	/* "If one or more processes have the file open when the last link is removed, the link
	 * shall be removed before unlink() returns, but the removal of the file contents shall be
	 * postponed until all references to the file are closed." */
	KT_EXPECT_EQ(unlink(D "/f"), 0);
	struct stat st;
	KT_EXPECT_EQ(stat(D "/f", &st), -1);
	KT_EXPECT_EQ(fstat(fd, &st), 0);
	KT_EXPECT(st.st_nlink == 0);
	lseek(fd, 0, SEEK_SET);
	KT_EXPECT_EQ(read(fd, buf, 3), 3);
	KT_EXPECT(memcmp(buf, "abc", 3) == 0);
	KT_EXPECT_EQ(write(fd, "d", 1), 1);
	close(fd);
}

KTEST(rename, files_and_directories)
{
	struct stat st;

	setup();
	close(open(D "/a", O_WRONLY | O_CREAT, 0644));
	close(open(D "/b", O_WRONLY | O_CREAT, 0644));
	mkdir(D "/d", 0755);
	mkdir(D "/e", 0755);
	/* "If the old argument and the new argument resolve to ... the same existing file,
	 * rename() shall return successfully and perform no other action." */
	KT_EXPECT_EQ(rename(D "/a", D "/a"), 0);
	KT_EXPECT_EQ(stat(D "/a", &st), 0);
	/* a file over a file replaces it */
	KT_EXPECT_EQ(rename(D "/a", D "/b"), 0);
	KT_EXPECT_EQ(stat(D "/a", &st), -1);
	KT_EXPECT_EQ(stat(D "/b", &st), 0);
	/* "[EISDIR] The new argument points to a directory and the old argument points to a file
	 * that is not a directory." */
	errno = 0;
	KT_EXPECT_EQ(rename(D "/b", D "/d"), -1);
	KT_EXPECT_EQ(errno, EISDIR);
	/* "[ENOTDIR] ... the old argument names a directory and the new argument names a
	 * non-directory file." */
	errno = 0;
	KT_EXPECT_EQ(rename(D "/d", D "/b"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	/* "[EINVAL] The new directory pathname contains a path prefix that names the old directory." */
	errno = 0;
	KT_EXPECT_EQ(rename(D "/d", D "/d/sub"), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* a directory over an empty directory replaces it; over a non-empty one fails */
	close(open(D "/e/x", O_WRONLY | O_CREAT, 0644));
	errno = 0;
	KT_EXPECT_EQ(rename(D "/d", D "/e"), -1);
	KT_EXPECT(errno == EEXIST || errno == ENOTEMPTY);
	unlink(D "/e/x");
	KT_EXPECT_EQ(rename(D "/d", D "/e"), 0);
	KT_EXPECT_EQ(stat(D "/d", &st), -1);
	KT_EXPECT_EQ(stat(D "/e", &st), 0);
	KT_EXPECT(S_ISDIR(st.st_mode));
	errno = 0;
	KT_EXPECT_EQ(rename(D "/missing", D "/z"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(rename(D "/b", D "/nodir/z"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(rename(D "/b", ""), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	rmdir(D "/e");
}

KTEST(dir, readdir_sees_every_entry_once)
{
	DIR *d;
	struct dirent *e;
	int seen_dot = 0, seen_dotdot = 0, seen[5] = { 0 };
	char name[32];

	setup();
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), D "/n%d", i);
		close(open(name, O_WRONLY | O_CREAT, 0644));
	}
	KT_ASSERT((d = opendir(D)) != NULL);
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0)
			seen_dot++;
		else if (strcmp(e->d_name, "..") == 0)
			seen_dotdot++;
		else if (e->d_name[0] == 'n' && e->d_name[1] >= '0' && e->d_name[1] <= '4')
			seen[e->d_name[1] - '0']++;
	}
	/* end of the directory: NULL, errno unchanged */
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT_EQ(closedir(d), 0);
	KT_EXPECT_EQ(seen_dot, 1);
	KT_EXPECT_EQ(seen_dotdot, 1);
	for (int i = 0; i < 5; i++)
		KT_EXPECT_EQ(seen[i], 1);
	errno = 0;
	KT_EXPECT(opendir(D "/missing") == NULL);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT(opendir(D "/n0") == NULL);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT(opendir("") == NULL);
	KT_EXPECT_EQ(errno, ENOENT);
}

KTEST(cwd, chdir_getcwd)
{
	char buf[PATH_MAX], small[4];

	setup();
	KT_ASSERT(getcwd(buf, sizeof(buf)) != NULL);
	char *saved = strdup(buf);
	KT_EXPECT_EQ(chdir(D), 0);
	KT_EXPECT(getcwd(buf, sizeof(buf)) == buf);
	KT_EXPECT(strcmp(buf, D) == 0);
	/* "[EINVAL] The size argument is 0." "[ERANGE] The size argument is greater than 0, but is
	 * smaller than the length of the string +1." */
	errno = 0;
	KT_EXPECT(getcwd(buf, 0) == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(getcwd(small, sizeof(small)) == NULL);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(getcwd(buf, strlen(D)) == NULL);
	KT_EXPECT_EQ(errno, ERANGE);
	KT_EXPECT(getcwd(buf, strlen(D) + 1) == buf);
	close(open("rel", O_WRONLY | O_CREAT, 0644));
	struct stat st;
	KT_EXPECT_EQ(stat(D "/rel", &st), 0);
	KT_EXPECT_EQ(chdir(".."), 0);
	KT_EXPECT(getcwd(buf, sizeof(buf)) && strcmp(buf, "/tmp") == 0);
	errno = 0;
	KT_EXPECT_EQ(chdir(D "/rel"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(chdir(D "/missing"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(chdir(""), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(chdir("/"), 0);
	KT_EXPECT(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
	KT_EXPECT_EQ(chdir(".."), 0);	/* the root's parent is the root */
	KT_EXPECT(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
	chdir(saved);
	free(saved);
}

/* -- fork, waitpid, process groups --------------------------------------------------------------- */

static int shared_value = 1;

KTEST(fork, the_child_has_a_copy)
{
	int status = -1, p[2];
	pid_t parent = getpid(), pid;

	KT_ASSERT(pipe(p) == 0);
	pid = fork();
	KT_ASSERT(pid >= 0);
	if (pid == 0) {
		/* "The child process shall have a unique process ID"; its parent is the caller */
		shared_value = 2;
		int ok = getpid() != parent && getppid() == parent;
		/* "The child process shall have its own copy of the parent's file descriptors" */
		close(p[0]);
		write(p[1], "k", 1);
		_exit(ok ? 7 : 1);
	}
	close(p[1]);
	char c = 0;
	KT_EXPECT_EQ(read(p[0], &c, 1), 1);
	KT_EXPECT_EQ(c, 'k');
	close(p[0]);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 7);
	KT_EXPECT(!WIFSIGNALED(status) && !WIFSTOPPED(status));
	KT_EXPECT_EQ(shared_value, 1);
}

KTEST(waitpid, status_values_and_errors)
{
	int status;
	pid_t pid;

	/* "only the least significant 8 bits (that is, status & 0377) shall be available" */
	if ((pid = fork()) == 0)
		_exit(256 + 3);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	if ((pid = fork()) == 0)
		exit(-1);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 255);
	/* killed by a signal */
	if ((pid = fork()) == 0) {
		for (;;)
			pause();
	}
	KT_EXPECT_EQ(kill(pid, SIGTERM), 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && !WIFEXITED(status));
	/* WNOHANG: "waitpid() shall return 0" when the child has not changed state */
	int p[2];
	KT_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	status = 12345;
	KT_EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0);
	KT_EXPECT_EQ(waitpid(-1, NULL, WNOHANG), 0);
	close(p[1]);
	KT_EXPECT_EQ(waitpid(pid, NULL, 0), pid);
	/* "[ECHILD] The process specified by pid does not exist or is not a child" */
	errno = 0;
	KT_EXPECT_EQ(waitpid(pid, &status, 0), -1);
	KT_EXPECT_EQ(errno, ECHILD);
	errno = 0;
	KT_EXPECT_EQ(waitpid(1, &status, WNOHANG), -1);
	KT_EXPECT_EQ(errno, ECHILD);
	errno = 0;
	KT_EXPECT_EQ(waitpid(-1, &status, 0), -1);
	KT_EXPECT_EQ(errno, ECHILD);
	errno = 0;
	KT_EXPECT_EQ(wait(NULL), -1);
	KT_EXPECT_EQ(errno, ECHILD);
	/* "[EINVAL] The options argument is not valid." */
	errno = 0;
	KT_EXPECT_EQ(waitpid(-1, &status, 0x4000), -1);
	KT_EXPECT_EQ(errno, EINVAL);
}

KTEST(pgrp, setpgid_setsid_getsid)
{
	pid_t me = getpid(), pid;
	int status;

	/* a child makes itself a session leader; then setsid again is EPERM, and setpgid of a
	 * session leader is EPERM. */
	if ((pid = fork()) == 0) {
		int ok = 1;
		if (setsid() != getpid())
			ok = 0;
		if (getsid(0) != getpid() || getpgid(0) != getpid() || getpgrp() != getpid())
			ok = 0;
		errno = 0;
		if (setsid() != -1 || errno != EPERM)
			ok = 0;
		errno = 0;
		if (setpgid(0, 0) != -1 || errno != EPERM)
			ok = 0;
		_exit(ok ? 0 : 1);
	}
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* setpgid: "[EINVAL] The value of the pgid argument is less than 0" */
	errno = 0;
	KT_EXPECT_EQ(setpgid(0, -1), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* "[ESRCH] The value of the pid argument does not match the process ID of the calling
	 * process or of a child process of the calling process." */
	errno = 0;
	KT_EXPECT_EQ(setpgid(99999, 0), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	errno = 0;
	KT_EXPECT_EQ(getpgid(99999), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	errno = 0;
	KT_EXPECT_EQ(getsid(99999), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	KT_EXPECT_EQ(getpgid(0), getpgrp());
	KT_EXPECT_EQ(getpgid(me), getpgrp());
	/* a child moved into its own group by the parent */
	int p[2];
	KT_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(getpgrp() == getpid() ? 0 : 1);
	}
	close(p[0]);
	KT_EXPECT_EQ(setpgid(pid, pid), 0);
	KT_EXPECT_EQ(getpgid(pid), pid);
	/* a group in another session is EPERM: there is none here, so move it back to ours */
	close(p[1]);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* -- poll and select ----------------------------------------------------------------------------- */

KTEST(poll, pipe_readiness_and_pollnval)
{
	int p[2];
	struct pollfd fds[3];

	KT_ASSERT(pipe(p) == 0);
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	fds[2] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 77 };
	/* "If the value of fd is less than 0, events shall be ignored, and revents shall be set to
	 * 0 in that entry on return" */
	KT_EXPECT_EQ(poll(fds, 3, 0), 1);
	KT_EXPECT_EQ(fds[0].revents, 0);
	KT_EXPECT(fds[1].revents & POLLOUT);
	KT_EXPECT_EQ(fds[2].revents, 0);
	write(p[1], "x", 1);
	KT_EXPECT_EQ(poll(fds, 2, -1), 2);
	KT_EXPECT(fds[0].revents & POLLIN);
	/* the writer closes: POLLHUP on the reader ("POLLHUP ... shall be set in revents ...
	 * regardless of events") */
	close(p[1]);
	fds[0].events = 0;
	KT_EXPECT_EQ(poll(fds, 1, 0), 1);
	KT_EXPECT(fds[0].revents & POLLHUP);
	/* POLLNVAL for a descriptor that is not open */
	fds[1].fd = p[1];
	KT_EXPECT_EQ(poll(&fds[1], 1, 0), 1);
	KT_EXPECT_EQ(fds[1].revents, POLLNVAL);
	close(p[0]);
	/* nothing to wait for, timeout 0 */
	KT_EXPECT_EQ(poll(NULL, 0, 0), 0);
	/* a timeout elapses: 0 */
	KT_ASSERT(pipe(p) == 0);
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	KT_EXPECT_EQ(poll(fds, 1, 20), 0);
	KT_EXPECT_EQ(fds[0].revents, 0);
	close(p[0]);
	close(p[1]);
}

KTEST(select, pipes_timeouts_and_errors)
{
	int p[2];
	fd_set r, w;
	struct timeval tv = { 0, 0 };

	KT_ASSERT(pipe(p) == 0);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	/* "Upon successful completion, ... shall return the total number of bits set in the bit
	 * masks." */
	KT_EXPECT_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 1);
	KT_EXPECT(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	write(p[1], "x", 1);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	KT_EXPECT_EQ(select(p[1] + 1, &r, &w, NULL, NULL), 2);
	/* a timeout that elapses: 0 and every set cleared */
	char c;
	read(p[0], &c, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 20000 };
	KT_EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 0);
	KT_EXPECT(!FD_ISSET(p[0], &r));
	/* "[EINVAL] The nfds argument is less than 0 or greater than FD_SETSIZE." */
	errno = 0;
	KT_EXPECT_EQ(select(-1, NULL, NULL, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(select(FD_SETSIZE + 1, NULL, NULL, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* "[EINVAL] An invalid timeout interval was specified." */
	tv = (struct timeval){ 0, 1000000 };
	errno = 0;
	KT_EXPECT_EQ(select(0, NULL, NULL, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	tv = (struct timeval){ -1, 0 };
	errno = 0;
	KT_EXPECT_EQ(select(0, NULL, NULL, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* "[EBADF] One or more of the file descriptor sets specified a file descriptor that is not
	 * a valid open file descriptor." */
	close(p[1]);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 0, 0 };
	errno = 0;
	KT_EXPECT_EQ(select(p[1] + 1, NULL, &w, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EBADF);
	close(p[0]);
}

KTEST(isatty, terminals_pipes_and_bad_descriptors)
{
	int p[2];

	KT_ASSERT(pipe(p) == 0);
	/* "[ENOTTY] The fildes argument is not associated with a terminal" (may fail; POSIX 2017
	 * says "shall fail" for ENOTTY? it says may: 0 either way) */
	errno = 0;
	KT_EXPECT_EQ(isatty(p[0]), 0);
	KT_EXPECT(errno == ENOTTY || errno == 0);
	close(p[0]);
	close(p[1]);
	errno = 0;
	KT_EXPECT_EQ(isatty(p[0]), 0);
	KT_EXPECT_EQ(errno, EBADF);
}

/* -- <pthread.h> --------------------------------------------------------------------------------- */

static void *
ret_arg(void *arg)
{
	return arg;
}

static void *
exit_arg(void *arg)
{
	pthread_exit(arg);
	return NULL;
}

KTEST(pthread, create_join_equal_self)
{
	pthread_t t;
	void *v = NULL;

	KT_ASSERT(pthread_create(&t, NULL, ret_arg, (void *)0x1234) == 0);
	KT_EXPECT(!pthread_equal(t, pthread_self()));
	KT_EXPECT(pthread_equal(pthread_self(), pthread_self()));
	KT_EXPECT_EQ(pthread_join(t, &v), 0);
	KT_EXPECT(v == (void *)0x1234);
	KT_ASSERT(pthread_create(&t, NULL, exit_arg, (void *)0x99) == 0);
	KT_EXPECT_EQ(pthread_join(t, &v), 0);
	KT_EXPECT(v == (void *)0x99);
	/* "[EDEADLK] A deadlock was detected or the value of thread specifies the calling thread." */
	KT_EXPECT_EQ(pthread_join(pthread_self(), &v), EDEADLK);
	/* a detached thread is not joinable: [EINVAL] */
	pthread_attr_t a;
	int state = -1;
	KT_EXPECT_EQ(pthread_attr_init(&a), 0);
	KT_EXPECT_EQ(pthread_attr_getdetachstate(&a, &state), 0);
	KT_EXPECT_EQ(state, PTHREAD_CREATE_JOINABLE);
	KT_EXPECT_EQ(pthread_attr_setdetachstate(&a, 42), EINVAL);
	KT_EXPECT_EQ(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN - 1), EINVAL);
	pthread_attr_destroy(&a);
}

KTEST(pthread, mutex_types)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutexattr_t a;
	int type = -1;

	KT_EXPECT_EQ(pthread_mutex_lock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_destroy(&m), 0);
	KT_EXPECT_EQ(pthread_mutexattr_init(&a), 0);
	KT_EXPECT_EQ(pthread_mutexattr_gettype(&a, &type), 0);
	KT_EXPECT_EQ(type, PTHREAD_MUTEX_DEFAULT);
	KT_EXPECT_EQ(pthread_mutexattr_settype(&a, 12345), EINVAL);
	/* error-checking: relock is EDEADLK, an unlock by a non-owner or of an unlocked one EPERM */
	KT_EXPECT_EQ(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), 0);
	KT_EXPECT_EQ(pthread_mutex_init(&m, &a), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), EPERM);
	KT_EXPECT_EQ(pthread_mutex_lock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&m), EDEADLK);
	/* trylock: "[EBUSY] The mutex could not be acquired because it was already locked." */
	KT_EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);
	pthread_mutex_destroy(&m);
	/* recursive: locked as often as unlocked; trylock by the owner succeeds */
	KT_EXPECT_EQ(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0);
	KT_EXPECT_EQ(pthread_mutex_init(&m, &a), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_trylock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), EPERM);
	pthread_mutex_destroy(&m);
	pthread_mutexattr_destroy(&a);
}

static int once_count;

static void
once_fn(void)
{
	once_count++;
}

static int destructor_calls;

static void
key_destructor(void *v)
{
	if (v == (void *)0x55)
		destructor_calls++;
}

static void *
set_key(void *arg)
{
	pthread_setspecific(*(pthread_key_t *)arg, (void *)0x55);
	return NULL;
}

KTEST(pthread, once_keys_and_timedwait)
{
	pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_key_t k;
	pthread_t t;

	KT_EXPECT_EQ(pthread_once(&once, once_fn), 0);
	KT_EXPECT_EQ(pthread_once(&once, once_fn), 0);
	KT_EXPECT_EQ(once_count, 1);
	KT_ASSERT(pthread_key_create(&k, key_destructor) == 0);
	KT_EXPECT(pthread_getspecific(k) == NULL);
	KT_ASSERT(pthread_create(&t, NULL, set_key, &k) == 0);
	pthread_join(t, NULL);
	KT_EXPECT_EQ(destructor_calls, 1);
	KT_EXPECT(pthread_getspecific(k) == NULL);
	KT_EXPECT_EQ(pthread_key_delete(k), 0);
	/* PTHREAD_KEYS_MAX keys at least can be made */
	static pthread_key_t keys[PTHREAD_KEYS_MAX];
	int made = 0;
	while (made < PTHREAD_KEYS_MAX && pthread_key_create(&keys[made], NULL) == 0)
		made++;
	KT_EXPECT_EQ(made, PTHREAD_KEYS_MAX);
	pthread_key_t extra;
	KT_EXPECT_EQ(pthread_key_create(&extra, NULL), EAGAIN);
	while (made > 0)
		pthread_key_delete(keys[--made]);
	/* timedwait with an absolute time in the past: ETIMEDOUT, the mutex held again */
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec past = { 0, 0 };
	pthread_mutex_lock(&m);
	KT_EXPECT_EQ(pthread_cond_timedwait(&c, &m, &past), ETIMEDOUT);
	KT_EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
	/* "[EINVAL] The abstime argument specified a nanosecond value less than zero or greater
	 * than or equal to 1000 million." */
	struct timespec bad = { 0, 1000000000 };
	KT_EXPECT_EQ(pthread_cond_timedwait(&c, &m, &bad), EINVAL);
	pthread_mutex_unlock(&m);
}

KTEST(exec, arg_max_bytes_of_arguments_are_taken)
{
	/* ARG_MAX: "Maximum length of argument to the exec functions including environment data",
	 * at least {_POSIX_ARG_MAX} (4096). Arguments of 3000 bytes go through; more than ARG_MAX
	 * is [E2BIG]. */
	static char big[3000], huge[ARG_MAX + 1];
	char *argv[] = { "true", big, NULL }, *envp[] = { NULL };
	int status;
	pid_t pid;

	KT_EXPECT(ARG_MAX >= _POSIX_ARG_MAX);
	memset(big, 'a', sizeof(big) - 1);
	pid = spawnve("/bin/true", argv, envp);
	KT_ASSERT(pid > 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	memset(huge, 'a', sizeof(huge) - 1);
	argv[1] = huge;
	errno = 0;
	KT_EXPECT_EQ(spawnve("/bin/true", argv, envp), -1);
	KT_EXPECT_EQ(errno, E2BIG);
	if ((pid = fork()) == 0) {
		argv[1] = big;
		execve("/bin/true", argv, envp);
		_exit(99);
	}
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* -- the controlling terminal -------------------------------------------------------------------- */

KTEST(tty, tcgetpgrp_tcsetpgrp_errors)
{
	int p[2];
	struct stat st;

	/* the console: a character device and a terminal, our group in the foreground or not */
	KT_EXPECT_EQ(fstat(0, &st), 0);
	KT_EXPECT(S_ISCHR(st.st_mode));
	KT_ASSERT(pipe(p) == 0);
	/* tcgetpgrp: "[ENOTTY] The calling process does not have a controlling terminal, or the
	 * file is not the controlling terminal." "[EBADF] The fildes argument is not a valid file
	 * descriptor." */
	errno = 0;
	KT_EXPECT_EQ(tcgetpgrp(p[0]), -1);
	KT_EXPECT_EQ(errno, ENOTTY);
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(p[0], getpgrp()), -1);
	KT_EXPECT_EQ(errno, ENOTTY);
	close(p[0]);
	close(p[1]);
	errno = 0;
	KT_EXPECT_EQ(tcgetpgrp(p[0]), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(p[0], getpgrp()), -1);
	KT_EXPECT_EQ(errno, EBADF);
	/* tcsetpgrp: "[EINVAL] ... the value of the pgrp_id argument is ... not supported" (< 0),
	 * "[EPERM] The value of pgrp_id is ... not ... a process group in the same session" */
	pid_t fg = tcgetpgrp(0);
	if (fg < 0)
		KT_SKIP("the console is not this process's controlling terminal");
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(0, -5), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(0, 99999), -1);
	KT_EXPECT_EQ(errno, EPERM);
	KT_EXPECT_EQ(tcgetpgrp(0), fg);
}

/* -- identities, time, sleeping ------------------------------------------------------------------ */

KTEST(misc, ids_kill_zero_and_nanosleep_errors)
{
	struct timespec bad = { 0, 1000000000 }, neg = { -1, 0 };

	/* there are no users: every id is 0 (root's), and stays so */
	KT_EXPECT_EQ(getuid(), 0u);
	KT_EXPECT_EQ(geteuid(), 0u);
	KT_EXPECT_EQ(getgid(), 0u);
	KT_EXPECT_EQ(getegid(), 0u);
	/* kill with signal 0: "error checking is performed but no signal is actually sent" */
	KT_EXPECT_EQ(kill(getpid(), 0), 0);
	errno = 0;
	KT_EXPECT_EQ(kill(99999, 0), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	errno = 0;
	KT_EXPECT_EQ(kill(getpid(), 12345), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* nanosleep: "[EINVAL] The rqtp argument specified a nanosecond value less than zero or
	 * greater than or equal to 1000 million." */
	errno = 0;
	KT_EXPECT_EQ(nanosleep(&bad, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(nanosleep(&neg, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	struct timespec zero = { 0, 0 };
	KT_EXPECT_EQ(nanosleep(&zero, NULL), 0);
	/* clock_gettime: CLOCK_MONOTONIC never goes back; tv_nsec in range */
	struct timespec a, b;
	KT_EXPECT_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	KT_EXPECT_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	KT_EXPECT(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
	KT_EXPECT(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
	time_t t1 = time(NULL), t2 = 0;
	KT_EXPECT(time(&t2) >= t1 && t2 >= t1);
}

/* -- <stdio.h> streams --------------------------------------------------------------------------- */

KTEST(stdio, modes_positions_and_ungetc)
{
	FILE *f;
	char line[16];

	setup();
	/* fopen: "[EINVAL] The mode argument is not a valid mode." (may fail) */
	errno = 0;
	KT_EXPECT(fopen(D "/s", "z") == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(fopen(D "/missing", "r") == NULL);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_ASSERT((f = fopen(D "/s", "w+")) != NULL);
	KT_EXPECT(fputs("line1\nline2\n", f) >= 0);
	KT_EXPECT_EQ(ftell(f), 12L);
	rewind(f);
	KT_EXPECT(fgets(line, sizeof(line), f) == line && strcmp(line, "line1\n") == 0);
	/* fgets reads at most n-1 bytes */
	KT_EXPECT(fgets(line, 4, f) == line && strcmp(line, "lin") == 0);
	KT_EXPECT_EQ(fgetc(f), 'e');
	/* ungetc: "One byte of push-back shall be provided"; a file-positioning call discards it */
	KT_EXPECT_EQ(ungetc('X', f), 'X');
	KT_EXPECT_EQ(fgetc(f), 'X');
	KT_EXPECT_EQ(ungetc(EOF, f), EOF);
	KT_EXPECT_EQ(fgetc(f), '2');
	KT_EXPECT_EQ(fgetc(f), '\n');
	KT_EXPECT_EQ(fgetc(f), EOF);
	KT_EXPECT(feof(f) && !ferror(f));
	clearerr(f);
	KT_EXPECT(!feof(f));
	KT_EXPECT_EQ(fseek(f, -2, SEEK_END), 0);
	KT_EXPECT_EQ(fgetc(f), '2');
	errno = 0;
	KT_EXPECT_EQ(fseek(f, -100, SEEK_SET), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(fclose(f), 0);
	/* "a": every write at the end, whatever the position */
	KT_ASSERT((f = fopen(D "/s", "a+")) != NULL);
	fseek(f, 0, SEEK_SET);
	fputs("end\n", f);
	fflush(f);
	fseek(f, 0, SEEK_SET);
	KT_EXPECT(fgets(line, sizeof(line), f) && strcmp(line, "line1\n") == 0);
	fclose(f);
	struct stat st;
	KT_EXPECT_EQ(stat(D "/s", &st), 0);
	KT_EXPECT(st.st_size == 16);
	/* fread of a short file: the items read, feof set */
	KT_ASSERT((f = fopen(D "/s", "r")) != NULL);
	char buf[40];
	KT_EXPECT_EQ(fread(buf, 5, 8, f), 3u);
	KT_EXPECT(feof(f));
	/* writing a stream opened for reading fails: EOF and the error indicator */
	KT_EXPECT_EQ(fputc('x', f), EOF);
	KT_EXPECT(ferror(f));
	fclose(f);
}

/* -- link counts and times ----------------------------------------------------------------------- */

KTEST(stat, directory_link_counts_and_times)
{
	struct stat a, b, c;
	struct timespec pause10 = { 0, 20000000 };
	int fd;

	setup();
	KT_ASSERT(stat(D, &a) == 0);
	/* a directory's link count: its name, its ".", and each subdirectory's ".." */
	KT_EXPECT(a.st_nlink == 2);
	mkdir(D "/x", 0755);
	mkdir(D "/y", 0755);
	KT_EXPECT_EQ(stat(D, &b), 0);
	KT_EXPECT(b.st_nlink == 4);
	/* mkdir: "Upon successful completion, mkdir() shall mark for update the last data access,
	 * last data modification, and last file status change timestamps of the new directory.
	 * Also, the last data modification and last file status change timestamps of the directory
	 * that contains the new entry shall be marked for update." */
	/* moving y into x moves its ".." */
	KT_EXPECT_EQ(rename(D "/y", D "/x/y"), 0);
	KT_EXPECT_EQ(stat(D, &b), 0);
	KT_EXPECT(b.st_nlink == 3);
	KT_EXPECT_EQ(stat(D "/x", &c), 0);
	KT_EXPECT(c.st_nlink == 3);
	KT_EXPECT_EQ(stat(D "/x/y/..", &b), 0);
	KT_EXPECT(b.st_ino == c.st_ino);
	KT_EXPECT_EQ(rmdir(D "/x/y"), 0);
	KT_EXPECT_EQ(stat(D "/x", &c), 0);
	KT_EXPECT(c.st_nlink == 2);
	rmdir(D "/x");
	/* write marks st_mtime and st_ctime for update */
	fd = open(D "/f", O_RDWR | O_CREAT, 0644);
	KT_ASSERT(fstat(fd, &a) == 0);
	nanosleep(&pause10, NULL);
	write(fd, "x", 1);
	KT_EXPECT_EQ(fstat(fd, &b), 0);
	KT_EXPECT(b.st_mtim.tv_sec > a.st_mtim.tv_sec ||
	    (b.st_mtim.tv_sec == a.st_mtim.tv_sec && b.st_mtim.tv_nsec > a.st_mtim.tv_nsec));
	KT_EXPECT(b.st_ctim.tv_sec > a.st_ctim.tv_sec ||
	    (b.st_ctim.tv_sec == a.st_ctim.tv_sec && b.st_ctim.tv_nsec > a.st_ctim.tv_nsec));
	/* the mode open's O_CREAT gave: a regular file with those permission bits */
	KT_EXPECT(S_ISREG(b.st_mode));
	KT_EXPECT_EQ(b.st_mode & 0777, 0644u);
	close(fd);
	/* O_CREAT on an existing file leaves its mode alone */
	fd = open(D "/f", O_RDWR | O_CREAT, 0600);
	KT_EXPECT_EQ(fstat(fd, &c), 0);
	KT_EXPECT_EQ(c.st_mode & 0777, 0644u);
	close(fd);
	mkdir(D "/m", 0700);
	KT_EXPECT_EQ(stat(D "/m", &c), 0);
	KT_EXPECT_EQ(c.st_mode & 0777, 0700u);
	rmdir(D "/m");
}

/* -- more of <pthread.h> ------------------------------------------------------------------------- */

static pthread_barrier_t barrier;
static int serial_count;

static void *
barrier_waiter(void *arg)
{
	(void)arg;
	if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_fetch_add(&serial_count, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *
cancel_me(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec t = { 0, 1000000 };
		nanosleep(&t, NULL);		/* a cancellation point */
		pthread_testcancel();
	}
	return NULL;
}

KTEST(pthread, rwlocks_barriers_and_cancel)
{
	pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
	pthread_t t[4];
	void *v = NULL;

	/* several readers at once; a writer excludes everyone */
	KT_EXPECT_EQ(pthread_rwlock_rdlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_tryrdlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_trywrlock(&rw), EBUSY);
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_wrlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_tryrdlock(&rw), EBUSY);
	KT_EXPECT_EQ(pthread_rwlock_trywrlock(&rw), EBUSY);
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_destroy(&rw), 0);
	/* barrier_init: "[EINVAL] The value specified by count is equal to zero." */
	KT_EXPECT_EQ(pthread_barrier_init(&barrier, NULL, 0), EINVAL);
	KT_ASSERT(pthread_barrier_init(&barrier, NULL, 4) == 0);
	for (int i = 0; i < 3; i++)
		KT_ASSERT(pthread_create(&t[i], NULL, barrier_waiter, NULL) == 0);
	barrier_waiter(NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	/* "PTHREAD_BARRIER_SERIAL_THREAD shall be returned to one unspecified thread" */
	KT_EXPECT_EQ(serial_count, 1);
	KT_EXPECT_EQ(pthread_barrier_destroy(&barrier), 0);
	/* deferred cancellation: joined with PTHREAD_CANCELED */
	KT_ASSERT(pthread_create(&t[3], NULL, cancel_me, NULL) == 0);
	KT_EXPECT_EQ(pthread_cancel(t[3]), 0);
	KT_EXPECT_EQ(pthread_join(t[3], &v), 0);
	KT_EXPECT(v == PTHREAD_CANCELED);
	int old = -1;
	KT_EXPECT_EQ(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old), 0);
	KT_EXPECT_EQ(old, PTHREAD_CANCEL_ENABLE);
	KT_EXPECT_EQ(pthread_setcancelstate(42, &old), EINVAL);
	KT_EXPECT_EQ(pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL), 0);
}

/* -- fork and descriptors ------------------------------------------------------------------------ */

KTEST(fork, descriptors_share_offsets_and_pipes_end)
{
	int fd, status, p[2];
	pid_t pid;

	setup();
	fd = open(D "/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	/* "Each of the child's file descriptors shall refer to the same open file description
	 * with the corresponding file descriptor of the parent." */
	if ((pid = fork()) == 0) {
		write(fd, "child", 5);
		_exit(0);
	}
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(lseek(fd, 0, SEEK_CUR) == 5);
	close(fd);
	/* the parent's read end sees end of file only when the child's write end closes too */
	KT_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		write(p[1], "z", 1);
		_exit(0);		/* its write end closes as it ends */
	}
	close(p[1]);
	char c;
	KT_EXPECT_EQ(read(p[0], &c, 1), 1);
	KT_EXPECT_EQ(read(p[0], &c, 1), 0);
	close(p[0]);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	/* waitpid(0) waits for a child of the caller's group; waitpid(-pgid) for that group */
	if ((pid = fork()) == 0)
		_exit(4);
	KT_EXPECT_EQ(waitpid(0, &status, 0), pid);
	KT_EXPECT_EQ(WEXITSTATUS(status), 4);
	if ((pid = fork()) == 0)
		_exit(5);
	KT_EXPECT_EQ(waitpid(-getpgrp(), &status, 0), pid);
	KT_EXPECT_EQ(WEXITSTATUS(status), 5);
}

KTEST(stdio, getline_getdelim_and_sprintf)
{
	FILE *f;
	char *line = NULL, buf[32];
	size_t size = 12345;		/* ignored while line is NULL */

	setup();
	KT_ASSERT((f = fopen(D "/g", "w+")) != NULL);
	for (int i = 0; i < 300; i++)
		fputc('a' + i % 26, f);
	fputs("\nshort\nlast", f);
	rewind(f);
	/* "the number of bytes written into the buffer, including the delimiter character if
	 * encountered, but not including the terminating NUL character" */
	KT_EXPECT_EQ(getline(&line, &size, f), 301);
	KT_EXPECT(line != NULL && size >= 302 && line[300] == '\n' && line[301] == '\0');
	KT_EXPECT_EQ(getline(&line, &size, f), 6);
	KT_EXPECT(strcmp(line, "short\n") == 0);
	/* the last line without a delimiter */
	KT_EXPECT_EQ(getdelim(&line, &size, '\n', f), 4);
	KT_EXPECT(strcmp(line, "last") == 0);
	/* "If the end-of-file indicator for the stream is set, or if no characters were read and
	 * the stream is at end-of-file ... shall return -1" */
	KT_EXPECT_EQ(getline(&line, &size, f), -1);
	KT_EXPECT(feof(f));
	rewind(f);
	KT_EXPECT_EQ(getdelim(&line, &size, 'c', f), 3);
	KT_EXPECT(strcmp(line, "abc") == 0);
	/* "[EINVAL] lineptr or n is a null pointer." */
	errno = 0;
	KT_EXPECT_EQ(getline(NULL, &size, f), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	free(line);
	fclose(f);
	KT_EXPECT_EQ(sprintf(buf, "%s-%05d", "x", 42), 7);
	KT_EXPECT(strcmp(buf, "x-00042") == 0);
	KT_EXPECT(FILENAME_MAX >= _POSIX_PATH_MAX);
}

/* -- odd corners an outside suite tries ---------------------------------------------------------- */

KTEST(corners, directories_as_files_and_readdir_while_unlinking)
{
	char buf[8], name[32];
	int fd, p[2];
	DIR *d;
	struct dirent *e;
	int seen[6] = { 0 };

	setup();
	fd = open(D, O_RDONLY);
	KT_ASSERT(fd >= 0);
	/* read of a directory: "[EISDIR] The fildes argument refers to a directory and the
	 * implementation does not allow the directory to be read using read()" */
	errno = 0;
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), -1);
	KT_EXPECT_EQ(errno, EISDIR);
	errno = 0;
	KT_EXPECT_EQ(write(fd, "x", 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	close(fd);
	/* readdir while entries go: "If a file is removed from or added to the directory after
	 * the most recent call to opendir() or rewinddir(), whether a subsequent call to readdir()
	 * returns an entry for that file is unspecified" - but no entry twice, none made up */
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), D "/u%d", i);
		close(open(name, O_WRONLY | O_CREAT, 0644));
	}
	KT_ASSERT((d = opendir(D)) != NULL);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != 'u')
			continue;
		int i = e->d_name[1] - '0';
		KT_ASSERT(i >= 0 && i < 6);
		seen[i]++;
		snprintf(name, sizeof(name), D "/%s", e->d_name);
		/* an entry removed after the DIR was read may still be returned (unspecified) */
		KT_EXPECT(unlink(name) == 0 || errno == ENOENT);
		if (i + 1 < 6) {		/* and the next one too, before it is read */
			snprintf(name, sizeof(name), D "/u%d", i + 1);
			unlink(name);
		}
	}
	closedir(d);
	for (int i = 0; i < 6; i++)
		KT_EXPECT(seen[i] <= 1);
	KT_EXPECT_EQ(seen[0], 1);
	/* a pipe whose reader is gone is ready for writing (the write will not block: EPIPE) */
	KT_ASSERT(pipe(p) == 0);
	close(p[0]);
	fd_set w;
	struct timeval tv = { 0, 0 };
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	KT_EXPECT_EQ(select(p[1] + 1, NULL, &w, NULL, &tv), 1);
	struct pollfd pf = { .fd = p[1], .events = POLLOUT };
	KT_EXPECT_EQ(poll(&pf, 1, 0), 1);
	KT_EXPECT(pf.revents & (POLLOUT | POLLERR));
	close(p[1]);
	/* one descriptor in both the read and write sets counts twice */
	KT_ASSERT(pipe(p) == 0);
	write(p[1], "x", 1);
	int both = p[0] > p[1] ? p[0] : p[1];
	fd_set r;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &r);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 0, 0 };
	KT_EXPECT_EQ(select(both + 1, &r, &w, NULL, &tv), 2);
	KT_EXPECT(FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r) && FD_ISSET(p[1], &w));
	close(p[0]);
	close(p[1]);
}

static pthread_mutex_t fork_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fork_cv = PTHREAD_COND_INITIALIZER;
static int fork_go;

static void *
fork_sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&fork_mx);
	while (!fork_go)
		pthread_cond_wait(&fork_cv, &fork_mx);
	pthread_mutex_unlock(&fork_mx);
	return NULL;
}

KTEST(corners, fork_in_a_threaded_process)
{
	/* "A process shall be created with a single thread. If a multi-threaded process calls
	 * fork(), the new process shall contain a replica of the calling thread and its entire
	 * address space". The child runs, calls, and exits; the parent's thread goes on. */
	pthread_t t;
	int status, p[2];
	pid_t pid;

	KT_ASSERT(pthread_create(&t, NULL, fork_sleeper, NULL) == 0);
	KT_ASSERT(pipe(p) == 0);
	pid = fork();
	KT_ASSERT(pid >= 0);
	if (pid == 0) {
		char msg[] = "child";
		close(p[0]);
		write(p[1], msg, 5);
		_exit(getppid() > 0 ? 3 : 1);
	}
	close(p[1]);
	char buf[8] = { 0 };
	KT_EXPECT_EQ(read(p[0], buf, sizeof(buf)), 5);
	KT_EXPECT(memcmp(buf, "child", 5) == 0);
	close(p[0]);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	pthread_mutex_lock(&fork_mx);
	fork_go = 1;
	pthread_cond_signal(&fork_cv);
	pthread_mutex_unlock(&fork_mx);
	KT_EXPECT_EQ(pthread_join(t, NULL), 0);
}

/* exec_kid: fork; the child runs how (0 execl, 1 execlp, 2 execle, 3 execvp) and _exits 99 if it
 * came back; answers the child's wait status. */
static int
exec_kid(int how, const char *file)
{
	char *argv[] = { "true", NULL }, *envp[] = { "A=1", NULL };
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		switch (how) {
		case 0: execl(file, "true", (char *)NULL); break;
		case 1: execlp(file, "true", (char *)NULL); break;
		case 2: execle(file, "true", (char *)NULL, envp); break;
		case 3: execvp(file, argv); break;
		}
		_exit(errno == ENOENT ? 98 : 99);
	}
	waitpid(pid, &status, 0);
	return status;
}

KTEST(exec, the_exec_family_and_path_search)
{
	int s;

	s = exec_kid(0, "/bin/true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	s = exec_kid(2, "/bin/true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	/* execlp/execvp: "If the file argument contains a <slash> character, the file argument
	 * shall be used as the pathname ... Otherwise, the path prefix for this file is obtained
	 * by a search of the directories passed as the environment variable PATH" */
	s = exec_kid(1, "true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	s = exec_kid(3, "true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	s = exec_kid(3, "/bin/true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	/* not found anywhere: ENOENT */
	s = exec_kid(3, "no-such-program");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 98);
	s = exec_kid(0, "/bin/no-such-program");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 98);
	/* a PATH that names other directories first */
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/tmp::/nowhere:/bin", 1);
	s = exec_kid(3, "true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	setenv("PATH", "/tmp", 1);
	s = exec_kid(1, "true");
	KT_EXPECT(WIFEXITED(s) && WEXITSTATUS(s) == 98);
	if (old != NULL)
		setenv("PATH", old, 1);
	else
		unsetenv("PATH");
	free(old);
}

static int atexit_fd = -1;

static void
atexit_a(void)
{
	write(atexit_fd, "a", 1);
}

static void
atexit_b(void)
{
	write(atexit_fd, "b", 1);
}

KTEST(exit, abort_atexit_order_and_stdio_flush)
{
	int status, p[2];
	pid_t pid;
	char buf[16] = { 0 };

	/* abort: "the status made available to wait() ... shall be that of a process terminated
	 * by the SIGABRT signal" */
	if ((pid = fork()) == 0)
		abort();
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	/* exit: atexit functions in the reverse order of their registration, then open streams
	 * are flushed; _exit does neither */
	KT_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		atexit_fd = p[1];
		atexit(atexit_a);
		atexit(atexit_b);
		FILE *f = fdopen(dup(p[1]), "w");
		fputs("s", f);			/* fully buffered: written out by exit */
		exit(6);
	}
	close(p[1]);
	int n = 0, r;
	while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(p[0]);
	KT_EXPECT(strcmp(buf, "bas") == 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 6);
	KT_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		FILE *f = fdopen(dup(p[1]), "w");
		fputs("lost", f);
		_exit(0);
	}
	close(p[1]);
	KT_EXPECT_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
}
