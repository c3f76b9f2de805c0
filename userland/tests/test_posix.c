/*
 * KTAP tests of the POSIX file, process and I/O-multiplexing calls (docs/libcr.md, "POSIX"):
 * dup2, isatty, stat and fstat, directories (mkdir, rmdir, unlink, rename, readdir, . and ..,
 * the working directory), getppid, process groups and sessions, the console's foreground group,
 * waitpid's pids, options and status macros, poll and select. Errors are POSIX.1-2017's; where
 * it leaves a choice, the comment says which. The cases that use user threads come last: once a
 * program has a second thread, its calls go asynchronously (docs/threads.md).
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/sysmsg.h>
#include <sys/wait.h>
#include <cr/sysport.h>
#include <cr/thread.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_ADDR	((void *)0x100000)

/* -- helpers ------------------------------------------------------------------------------------ */

/*
 * kid: spawn `posixkid ACT ARG` with stdin in (or the console's, -1) and stdout out (or the
 * console, -1); answers its pid.
 */
static pid_t
kid(const char *act, const char *arg, int in, int out)
{
	char *argv[] = { "posixkid", (char *)act, (char *)arg, NULL };
	int saved_in = dup(0), saved_out = dup(1);
	pid_t pid;

	if (in >= 0)
		dup2(in, 0);
	if (out >= 0)
		dup2(out, 1);
	pid = spawnv("/bin/posixkid", argv);
	dup2(saved_in, 0);
	dup2(saved_out, 1);
	close(saved_in);
	close(saved_out);
	return pid;
}

/* kid_output: run `posixkid ACT` to its end; its stdout into buf; answers its wait status. */
static int
kid_output(const char *act, char *buf, size_t size)
{
	int fds[2], status = -1, n = 0, r;

	if (pipe(fds) != 0)
		return -1;
	pid_t pid = kid(act, NULL, -1, fds[1]);
	close(fds[1]);
	while ((r = read(fds[0], buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static struct kstat
counters(void)
{
	struct kstat ks;

	kstat(&ks, sizeof(ks));
	return ks;
}

/* put_file: a file at path holding text. */
static void
put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	write(fd, text, strlen(text));
	close(fd);
}

/* -- dup2 and isatty ------------------------------------------------------------------------------ */

KTEST(dup2, replaces_the_target_closing_what_it_named)
{
	int p[2], fd = open("/tmp/dup2", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char c;

	KT_ASSERT(fd >= 0);
	KT_ASSERT_EQ(pipe(p), 0);
	KT_EXPECT_EQ(dup2(fd, p[1]), p[1]);		/* the pipe's only writer is closed */
	KT_EXPECT_EQ(read(p[0], &c, 1), 0);		/* so its reader sees the end */
	KT_EXPECT_EQ(write(p[1], "ab", 2), 2);		/* p[1] is the file now */
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);	/* one open file: one offset */
	KT_EXPECT_EQ(dup2(fd, fd), fd);			/* the same: nothing happens */
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
	close(fd);
	KT_EXPECT_EQ(write(p[1], "c", 1), 1);		/* still open through p[1] */
	close(p[1]);
	close(p[0]);
	unlink("/tmp/dup2");
}

KTEST(dup2, errors_are_ebadf)
{
	int fd = open("/bin/hello", O_RDONLY, 0);

	errno = 0;
	KT_EXPECT_EQ(dup2(OPEN_MAX - 1, fd), -1);	/* oldfd not open */
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT(lseek(fd, 0, SEEK_CUR) == 0);		/* newfd untouched */
	errno = 0;
	KT_EXPECT_EQ(dup2(fd, -1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(dup2(fd, OPEN_MAX), -1);
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT_EQ(dup2(fd, OPEN_MAX - 1), OPEN_MAX - 1);	/* the last one is fine */
	close(OPEN_MAX - 1);
	close(fd);
}

KTEST(isatty, the_console_is_a_terminal_and_nothing_else)
{
	int p[2], fd = open("/bin/hello", O_RDONLY, 0);

	KT_EXPECT_EQ(isatty(1), 1);
	KT_ASSERT_EQ(pipe(p), 0);
	errno = 0;
	KT_EXPECT_EQ(isatty(p[0]), 0);
	KT_EXPECT_EQ(errno, ENOTTY);
	errno = 0;
	KT_EXPECT_EQ(isatty(fd), 0);
	KT_EXPECT_EQ(errno, ENOTTY);
	close(fd);
	errno = 0;
	KT_EXPECT_EQ(isatty(fd), 0);
	KT_EXPECT_EQ(errno, EBADF);
	close(p[0]);
	close(p[1]);
}

/* -- stat and fstat ------------------------------------------------------------------------------- */

KTEST(stat, an_initrd_file)
{
	struct stat st, fst, lst;
	int fd = open("/bin/hello", O_RDONLY, 0);

	KT_ASSERT_EQ(stat("/bin/hello", &st), 0);
	KT_EXPECT(S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISFIFO(st.st_mode));
	KT_EXPECT_EQ(st.st_mode & 0777, 0555);
	KT_EXPECT_EQ(st.st_size, lseek(fd, 0, SEEK_END));
	KT_EXPECT_EQ(st.st_nlink, 1);
	KT_EXPECT_EQ(st.st_dev, ST_DEV_RAMFS);
	KT_EXPECT_EQ(st.st_blksize, 4096);
	KT_EXPECT_EQ(st.st_blocks, (st.st_size + 511) / 512);
	KT_EXPECT(st.st_ino != 0);
	KT_EXPECT(st.st_mtime > 1600000000);		/* the realtime clock's, at boot */
	KT_ASSERT_EQ(fstat(fd, &fst), 0);
	KT_EXPECT_EQ(fst.st_ino, st.st_ino);
	KT_EXPECT_EQ(fst.st_size, st.st_size);
	KT_ASSERT_EQ(lstat("/bin/hello", &lst), 0);	/* no symbolic links: lstat is stat */
	KT_EXPECT_EQ(lst.st_ino, st.st_ino);
	close(fd);
}

KTEST(stat, a_written_file_its_size_blocks_and_times)
{
	struct stat a, b;
	int fd = open("/tmp/st", O_RDWR | O_CREAT | O_TRUNC, 0640);
	char buf[8];

	KT_ASSERT(fd >= 0);
	KT_ASSERT_EQ(fstat(fd, &a), 0);
	KT_EXPECT_EQ(a.st_size, 0);
	KT_EXPECT_EQ(a.st_mode, S_IFREG | 0640);
	KT_EXPECT_EQ(a.st_blocks, 0);
	usleep(30000);					/* the times count clock ticks */
	KT_EXPECT_EQ(write(fd, "hello", 5), 5);
	KT_ASSERT_EQ(fstat(fd, &b), 0);
	KT_EXPECT_EQ(b.st_size, 5);
	KT_EXPECT_EQ(b.st_blocks, 4096 / 512);		/* one page */
	KT_EXPECT(b.st_mtim.tv_sec > a.st_mtim.tv_sec ||
	    (b.st_mtim.tv_sec == a.st_mtim.tv_sec && b.st_mtim.tv_nsec > a.st_mtim.tv_nsec));
	KT_EXPECT(b.st_ctim.tv_sec * 1000000000ll + b.st_ctim.tv_nsec >=
	    b.st_mtim.tv_sec * 1000000000ll + b.st_mtim.tv_nsec);
	usleep(30000);
	lseek(fd, 0, SEEK_SET);
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 5);
	KT_ASSERT_EQ(fstat(fd, &a), 0);
	KT_EXPECT(a.st_atim.tv_sec * 1000000000ll + a.st_atim.tv_nsec >
	    b.st_atim.tv_sec * 1000000000ll + b.st_atim.tv_nsec);	/* read: accessed */
	KT_EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);		/* not modified */
	close(fd);
	KT_EXPECT_EQ(unlink("/tmp/st"), 0);
}

KTEST(stat, pipes_the_console_and_directories)
{
	struct stat st;
	int p[2];

	KT_ASSERT_EQ(pipe(p), 0);
	KT_EXPECT_EQ(write(p[1], "12345", 5), 5);
	KT_ASSERT_EQ(fstat(p[0], &st), 0);
	KT_EXPECT(S_ISFIFO(st.st_mode));
	KT_EXPECT_EQ(st.st_size, 5);			/* the bytes in it */
	KT_EXPECT_EQ(st.st_dev, ST_DEV_PIPE);
	ino_t ino = st.st_ino;
	KT_ASSERT_EQ(fstat(p[1], &st), 0);
	KT_EXPECT_EQ(st.st_ino, ino);			/* both ends: one pipe */
	close(p[0]);
	close(p[1]);
	KT_ASSERT_EQ(fstat(1, &st), 0);
	KT_EXPECT(S_ISCHR(st.st_mode));
	KT_EXPECT(st.st_rdev != 0);
	KT_ASSERT_EQ(stat("/", &st), 0);
	KT_EXPECT(S_ISDIR(st.st_mode));
	KT_EXPECT(st.st_nlink >= 4);			/* ., .., /bin and /tmp */
	KT_ASSERT_EQ(stat("/bin/", &st), 0);		/* a trailing slash names a directory */
	KT_EXPECT(S_ISDIR(st.st_mode));
}

KTEST(stat, errors)
{
	struct stat st;
	char longname[NAME_MAX + 8];

	memset(longname, 'n', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	errno = 0;
	KT_EXPECT_EQ(stat("", &st), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(stat("/nope/x", &st), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(stat("/bin/hello/x", &st), -1);	/* a file on the way */
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(stat("/bin/hello/", &st), -1);	/* a file with a trailing slash */
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(stat(longname, &st), -1);
	KT_EXPECT_EQ(errno, ENAMETOOLONG);
	errno = 0;
	KT_EXPECT_EQ(stat("/bin/hello", KERNEL_ADDR), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(fstat(OPEN_MAX - 1, &st), -1);
	KT_EXPECT_EQ(errno, EBADF);
}

/* -- directories --------------------------------------------------------------------------------- */

KTEST(dir, mkdir_rmdir_and_the_quota)
{
	struct kstat before = counters();
	struct stat st, tmp0, tmp1;

	KT_ASSERT_EQ(stat("/tmp", &tmp0), 0);
	KT_EXPECT_EQ(mkdir("/tmp/d", 0750), 0);
	KT_ASSERT_EQ(stat("/tmp/d", &st), 0);
	KT_EXPECT_EQ(st.st_mode, S_IFDIR | 0750);
	KT_EXPECT_EQ(st.st_nlink, 2);
	KT_ASSERT_EQ(stat("/tmp", &tmp1), 0);
	KT_EXPECT_EQ(tmp1.st_nlink, tmp0.st_nlink + 1);	/* d's ".." */
	KT_EXPECT_EQ(counters().ks_ramfs_files, before.ks_ramfs_files + 1);
	errno = 0;
	KT_EXPECT_EQ(mkdir("/tmp/d", 0750), -1);
	KT_EXPECT_EQ(errno, EEXIST);
	KT_EXPECT_EQ(mkdir("/tmp/d/e/", 0700), 0);	/* a trailing slash is fine */
	errno = 0;
	KT_EXPECT_EQ(rmdir("/tmp/d"), -1);
	KT_EXPECT_EQ(errno, ENOTEMPTY);
	KT_EXPECT_EQ(rmdir("/tmp/d/e"), 0);
	KT_EXPECT_EQ(rmdir("/tmp/d/"), 0);
	errno = 0;
	KT_EXPECT_EQ(stat("/tmp/d", &st), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(counters().ks_ramfs_files, before.ks_ramfs_files);
}

KTEST(dir, mkdir_and_rmdir_errors)
{
	put_file("/tmp/f", "f");
	errno = 0;
	KT_EXPECT_EQ(mkdir("/tmp/none/d", 0700), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(mkdir("/tmp/f/d", 0700), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(mkdir("", 0700), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(mkdir("/", 0700), -1);
	KT_EXPECT_EQ(errno, EEXIST);
	errno = 0;
	KT_EXPECT_EQ(mkdir("/tmp/f", 0700), -1);	/* a file has the name */
	KT_EXPECT_EQ(errno, EEXIST);
	errno = 0;
	KT_EXPECT_EQ(rmdir("/tmp/f"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(rmdir("/"), -1);			/* the root: EBUSY (POSIX allows it) */
	KT_EXPECT_EQ(errno, EBUSY);
	errno = 0;
	KT_EXPECT_EQ(rmdir("/tmp/none"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(rmdir("/bin"), -1);		/* the initrd's programs are in it */
	KT_EXPECT_EQ(errno, ENOTEMPTY);
	KT_EXPECT_EQ(mkdir("/tmp/d", 0700), 0);
	errno = 0;
	KT_EXPECT_EQ(rmdir("/tmp/d/."), -1);		/* a last component "." */
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(rmdir("/tmp/d/.."), -1);		/* "..": /tmp, which holds d */
	KT_EXPECT_EQ(errno, ENOTEMPTY);
	KT_EXPECT_EQ(rmdir("/tmp/d"), 0);
	unlink("/tmp/f");
}

KTEST(dir, unlink_refuses_directories_and_open_refuses_to_write_them)
{
	char c;
	int fd;

	KT_ASSERT_EQ(mkdir("/tmp/d", 0700), 0);
	put_file("/tmp/f", "f");
	errno = 0;
	KT_EXPECT_EQ(unlink("/tmp/d"), -1);		/* POSIX: EPERM for a directory */
	KT_EXPECT_EQ(errno, EPERM);
	errno = 0;
	KT_EXPECT_EQ(unlink("/tmp/f/"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(open("/tmp/d", O_RDWR, 0), -1);
	KT_EXPECT_EQ(errno, EISDIR);
	errno = 0;
	KT_EXPECT_EQ(open("/tmp/d", O_RDONLY | O_CREAT, 0600), -1);
	KT_EXPECT_EQ(errno, EISDIR);
	errno = 0;
	KT_EXPECT_EQ(open("/tmp/new/", O_RDWR | O_CREAT, 0600), -1);	/* never makes a directory */
	KT_EXPECT_EQ(errno, EISDIR);
	errno = 0;
	KT_EXPECT_EQ(open("/tmp/f", O_RDONLY | O_DIRECTORY, 0), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(open("/tmp/f", O_RDWR | O_CREAT | O_EXCL, 0600), -1);
	KT_EXPECT_EQ(errno, EEXIST);
	fd = open("/tmp/d", O_RDONLY, 0);
	KT_EXPECT(fd >= 0);
	errno = 0;
	KT_EXPECT_EQ(read(fd, &c, 1), -1);
	KT_EXPECT_EQ(errno, EISDIR);
	close(fd);
	KT_EXPECT_EQ(unlink("/tmp/f"), 0);
	KT_EXPECT_EQ(rmdir("/tmp/d"), 0);
}

/* names: the names readdir lists for path, "." and ".." skipped, joined with ','. */
static void
names(const char *path, char *out, size_t size)
{
	DIR *d = opendir(path);
	struct dirent *e;

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			strlcpy(out + strlen(out), e->d_name, size - strlen(out));
			strlcpy(out + strlen(out), ",", size - strlen(out));
		}
	closedir(d);
}

KTEST(dir, remove_takes_files_and_empty_directories)
{
	struct stat st;

	put_file("/tmp/rm", "x");
	KT_ASSERT_EQ(mkdir("/tmp/rmd", 0700), 0);
	KT_EXPECT_EQ(remove("/tmp/rm"), 0);
	KT_EXPECT_EQ(remove("/tmp/rmd"), 0);
	KT_EXPECT_EQ(stat("/tmp/rm", &st), -1);
	KT_EXPECT_EQ(stat("/tmp/rmd", &st), -1);
	errno = 0;
	KT_EXPECT_EQ(remove("/tmp"), -1);			/* not empty */
	KT_EXPECT(errno == ENOTEMPTY || errno == EROFS);
}

KTEST(dir, readdir_lists_in_order_and_rewinds)
{
	char list[128];
	struct dirent *e;
	struct stat st;
	DIR *d;

	KT_ASSERT_EQ(mkdir("/tmp/r", 0755), 0);
	put_file("/tmp/r/a", "a");
	put_file("/tmp/r/b", "b");
	put_file("/tmp/r/c", "c");
	KT_EXPECT_EQ(mkdir("/tmp/r/d", 0755), 0);
	KT_ASSERT((d = opendir("/tmp/r")) != NULL);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, ".") == 0 && e->d_type == DT_DIR);
	stat("/tmp/r", &st);
	KT_EXPECT_EQ(e->d_ino, st.st_ino);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, "..") == 0);
	stat("/tmp", &st);
	KT_EXPECT_EQ(e->d_ino, st.st_ino);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, "a") == 0 && e->d_type == DT_REG);
	stat("/tmp/r/a", &st);
	KT_EXPECT_EQ(e->d_ino, st.st_ino);
	long after_a = telldir(d);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, "b") == 0);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, "c") == 0);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, "d") == 0 && e->d_type == DT_DIR);
	errno = 0;
	KT_EXPECT(readdir(d) == NULL);			/* the end: errno untouched */
	KT_EXPECT_EQ(errno, 0);
	seekdir(d, after_a);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, "b") == 0);		/* telldir's place */
	rewinddir(d);
	KT_ASSERT((e = readdir(d)) != NULL);
	KT_EXPECT(strcmp(e->d_name, ".") == 0);
	closedir(d);
	/* Names removed and made while listing, one getdents record at a time: the others are
	 * listed still, none twice, none skipped; a new name comes last. */
	union { struct dirent d; char b[DIRENT_RECLEN(1)]; } one;
	int fd = open("/tmp/r", O_RDONLY, 0);
	for (int i = 0; i < 3; i++)				/* ".", "..", "a" */
		KT_EXPECT_EQ(__sys_getdents(fd, &one, DIRENT_RECLEN(1)), (int)DIRENT_RECLEN(1));
	KT_EXPECT(strcmp(one.d.d_name, "a") == 0);
	KT_EXPECT_EQ(unlink("/tmp/r/b"), 0);			/* the next one */
	put_file("/tmp/r/e", "e");
	KT_EXPECT_EQ(__sys_getdents(fd, &one, DIRENT_RECLEN(1)), (int)DIRENT_RECLEN(1));
	KT_EXPECT(strcmp(one.d.d_name, "c") == 0);
	KT_EXPECT_EQ(__sys_getdents(fd, &one, DIRENT_RECLEN(1)), (int)DIRENT_RECLEN(1));
	KT_EXPECT(strcmp(one.d.d_name, "d") == 0);
	KT_EXPECT_EQ(__sys_getdents(fd, &one, DIRENT_RECLEN(1)), (int)DIRENT_RECLEN(1));
	KT_EXPECT(strcmp(one.d.d_name, "e") == 0);
	KT_EXPECT_EQ(__sys_getdents(fd, &one, DIRENT_RECLEN(1)), 0);	/* the end */
	close(fd);
	unlink("/tmp/r/e");
	names("/tmp/r", list, sizeof(list));
	KT_EXPECT(strcmp(list, "a,c,d,") == 0);
	names("/bin", list, sizeof(list));
	KT_EXPECT(strstr(list, "hello,") != NULL);	/* the initrd's directory */
	unlink("/tmp/r/a");
	unlink("/tmp/r/c");
	rmdir("/tmp/r/d");
	KT_EXPECT_EQ(rmdir("/tmp/r"), 0);
}

KTEST(dir, getdents_errors)
{
	char small[8], buf[256];
	int fd = open("/", O_RDONLY, 0), file = open("/bin/hello", O_RDONLY, 0);

	errno = 0;
	KT_EXPECT_EQ(__sys_getdents(fd, small, sizeof(small)), -1);	/* not even "." fits */
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT(__sys_getdents(fd, buf, sizeof(buf)) > 0);
	errno = 0;
	KT_EXPECT_EQ(__sys_getdents(file, buf, sizeof(buf)), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(__sys_getdents(OPEN_MAX - 1, buf, sizeof(buf)), -1);
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT(opendir("/bin/hello") == NULL);
	KT_EXPECT_EQ(errno, ENOTDIR);
	close(fd);
	close(file);
}

KTEST(dir, dot_and_dot_dot_resolve)
{
	struct stat a, b;

	KT_ASSERT_EQ(mkdir("/tmp/x", 0755), 0);
	put_file("/tmp/x/f", "f");
	KT_ASSERT_EQ(stat("/tmp/x/f", &a), 0);
	KT_ASSERT_EQ(stat("/tmp/./x/../x//f", &b), 0);
	KT_EXPECT_EQ(a.st_ino, b.st_ino);
	KT_ASSERT_EQ(stat("/..", &a), 0);		/* the root's parent is the root */
	KT_ASSERT_EQ(stat("/", &b), 0);
	KT_EXPECT_EQ(a.st_ino, b.st_ino);
	errno = 0;
	KT_EXPECT_EQ(stat("/tmp/x/f/..", &a), -1);		/* a file has no .. */
	KT_EXPECT_EQ(errno, ENOTDIR);
	unlink("/tmp/x/f");
	rmdir("/tmp/x");
}

KTEST(dir, rename_files)
{
	struct stat st;
	char buf[8];
	int fd;

	put_file("/tmp/a", "A");
	put_file("/tmp/b", "B");
	KT_ASSERT_EQ(stat("/tmp/a", &st), 0);
	ino_t a = st.st_ino;
	fd = open("/tmp/b", O_RDONLY, 0);		/* the file about to be replaced */
	KT_EXPECT_EQ(rename("/tmp/a", "/tmp/b"), 0);
	errno = 0;
	KT_EXPECT_EQ(stat("/tmp/a", &st), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_ASSERT_EQ(stat("/tmp/b", &st), 0);
	KT_EXPECT_EQ(st.st_ino, a);			/* the same file, a new name */
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 1);	/* the old b lives while open */
	KT_EXPECT_EQ(buf[0], 'B');
	close(fd);
	KT_EXPECT_EQ(rename("/tmp/b", "/tmp/b"), 0);	/* to itself: nothing */
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/b", "/tmp/b/"), -1);	/* ... unless named as a directory */
	KT_EXPECT_EQ(errno, ENOTDIR);
	KT_ASSERT_EQ(mkdir("/tmp/sub", 0755), 0);
	KT_EXPECT_EQ(rename("/tmp/b", "/tmp/sub/moved"), 0);
	KT_ASSERT_EQ(stat("/tmp/sub/moved", &st), 0);
	KT_EXPECT_EQ(st.st_ino, a);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/sub/moved", "/tmp/sub"), -1);	/* a file onto a directory */
	KT_EXPECT_EQ(errno, EISDIR);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/none", "/tmp/x"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/sub/moved", "/tmp/none/x"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/sub/moved", "/tmp/sub/moved/x"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/sub/moved", "/tmp/new/"), -1);	/* a file named as a directory */
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(rename("/bin/hello", "/tmp/hello"), -1);	/* the initrd's */
	KT_EXPECT_EQ(errno, EROFS);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/sub/moved", "/bin/hello"), -1);
	KT_EXPECT_EQ(errno, EROFS);
	unlink("/tmp/sub/moved");
	rmdir("/tmp/sub");
}

KTEST(dir, rename_directories)
{
	struct stat st;

	KT_ASSERT_EQ(mkdir("/tmp/p", 0755), 0);
	KT_ASSERT_EQ(mkdir("/tmp/p/q", 0755), 0);
	KT_ASSERT_EQ(mkdir("/tmp/e", 0755), 0);
	put_file("/tmp/f", "f");
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/p", "/tmp/p/q/r"), -1);	/* into itself */
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/p", "/tmp/p/q"), -1);		/* onto its own child */
	KT_EXPECT(errno == EINVAL);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/p", "/tmp/f"), -1);		/* a directory onto a file */
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/e", "/tmp/p"), -1);		/* onto a non-empty one */
	KT_EXPECT_EQ(errno, ENOTEMPTY);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/p/.", "/tmp/z"), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(rename("/tmp/p", "/tmp/.."), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(rename("/", "/tmp/root"), -1);
	KT_EXPECT_EQ(errno, EBUSY);
	KT_ASSERT_EQ(stat("/tmp/p/q", &st), 0);
	ino_t q = st.st_ino;
	KT_EXPECT_EQ(rename("/tmp/p/q", "/tmp/e"), 0);		/* onto an empty one: replaced */
	KT_ASSERT_EQ(stat("/tmp/e", &st), 0);
	KT_EXPECT_EQ(st.st_ino, q);
	KT_ASSERT_EQ(stat("/tmp/e/..", &st), 0);		/* its ".." moved with it */
	struct stat tmp;
	stat("/tmp", &tmp);
	KT_EXPECT_EQ(st.st_ino, tmp.st_ino);
	KT_EXPECT_EQ(rename("/tmp/e", "/tmp/p/q2"), 0);		/* into another directory */
	KT_EXPECT_EQ(rmdir("/tmp/p/q2"), 0);
	KT_EXPECT_EQ(rmdir("/tmp/p"), 0);
	unlink("/tmp/f");
}

KTEST(cwd, chdir_getcwd_and_relative_paths)
{
	char buf[PATH_MAX];
	struct stat st;

	KT_ASSERT_EQ(mkdir("/tmp/w", 0755), 0);
	KT_ASSERT_EQ(mkdir("/tmp/w/in", 0755), 0);
	KT_EXPECT(strcmp(getcwd(buf, sizeof(buf)), "/") == 0);	/* the kernel's: the root */
	KT_EXPECT_EQ(chdir("/tmp/w/in"), 0);
	KT_EXPECT(getcwd(buf, sizeof(buf)) == buf && strcmp(buf, "/tmp/w/in") == 0);
	put_file("../rel", "r");				/* relative to the working directory */
	KT_EXPECT_EQ(stat("/tmp/w/rel", &st), 0);
	KT_EXPECT_EQ(chdir(".."), 0);
	KT_EXPECT(strcmp(getcwd(buf, sizeof(buf)), "/tmp/w") == 0);
	KT_EXPECT_EQ(stat("rel", &st), 0);
	errno = 0;
	KT_EXPECT(getcwd(buf, 6) == NULL);			/* "/tmp/w" and its NUL: 7 */
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(getcwd(buf, 0) == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	char *mine = getcwd(NULL, 0);				/* libcr's buffer */
	KT_EXPECT(mine != NULL && strcmp(mine, "/tmp/w") == 0);
	free(mine);
	errno = 0;
	KT_EXPECT_EQ(chdir("rel"), -1);
	KT_EXPECT_EQ(errno, ENOTDIR);
	errno = 0;
	KT_EXPECT_EQ(chdir("none"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(chdir("/"), 0);
	unlink("/tmp/w/rel");
	rmdir("/tmp/w/in");
	rmdir("/tmp/w");
}

KTEST(cwd, a_child_starts_in_its_parents_directory)
{
	char out[PATH_MAX];

	KT_ASSERT_EQ(mkdir("/tmp/home", 0755), 0);
	KT_ASSERT_EQ(chdir("/tmp/home"), 0);
	KT_EXPECT_EQ(kid_output("cwd", out, sizeof(out)), 0);
	KT_EXPECT(strcmp(out, "/tmp/home\n") == 0);
	KT_EXPECT_EQ(chdir("/"), 0);
	KT_EXPECT_EQ(rmdir("/tmp/home"), 0);
}

KTEST(cwd, a_removed_working_directory)
{
	struct kstat before = counters();
	char buf[PATH_MAX];

	KT_ASSERT_EQ(mkdir("/tmp/gone", 0755), 0);
	KT_ASSERT_EQ(chdir("/tmp/gone"), 0);
	KT_EXPECT_EQ(rmdir("/tmp/gone"), 0);			/* allowed: it is only in use */
	errno = 0;
	KT_EXPECT(getcwd(buf, sizeof(buf)) == NULL);
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(open("new", O_RDWR | O_CREAT, 0600), -1);	/* it takes no new names */
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(open("..", O_RDWR | O_CREAT, 0600), -1);	/* and has no parent */
	KT_EXPECT_EQ(errno, ENOENT);
	errno = 0;
	KT_EXPECT_EQ(mkdir("../x", 0700), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(counters().ks_ramfs_files, before.ks_ramfs_files + 1);	/* held */
	KT_EXPECT_EQ(chdir("/"), 0);
	KT_EXPECT_EQ(counters().ks_ramfs_files, before.ks_ramfs_files);	/* freed */
}

KTEST(cwd, spawn_finds_programs_through_it)
{
	char *argv[] = { "hello", NULL };
	int status;

	KT_ASSERT_EQ(chdir("/bin"), 0);
	pid_t c = spawnv("hello", argv);			/* relative: /bin/hello */
	KT_EXPECT(c > 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT_EQ(status, W_EXITED(0));
	KT_EXPECT_EQ(chdir(".."), 0);
	errno = 0;
	KT_EXPECT_EQ(spawnv("/bin", argv), -1);			/* not a regular file */
	KT_EXPECT_EQ(errno, EACCES);
	put_file("/tmp/prog", "not an ELF");
	errno = 0;
	KT_EXPECT_EQ(spawnv("/tmp/prog", argv), -1);
	KT_EXPECT_EQ(errno, ENOEXEC);
	unlink("/tmp/prog");
}

/* -- processes: parents, groups, sessions -------------------------------------------------------- */

KTEST(proc, getppid_of_a_child_and_of_an_orphan)
{
	char out[64], want[32];

	KT_EXPECT_EQ(getppid(), 0);				/* the kernel started this program */
	KT_EXPECT_EQ(kid_output("ppid", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%d\n", getpid());
	KT_EXPECT(strcmp(out, want) == 0);
	KT_EXPECT_EQ(kid_output("orphan", out, sizeof(out)), 0);	/* the grandchild's line */
	KT_EXPECT(strcmp(out, "ppid 0\n") == 0);		/* adopted by the kernel */
}

KTEST(pgrp, a_kernel_started_program_leads_its_session)
{
	KT_EXPECT_EQ(getpgrp(), getpid());
	KT_EXPECT_EQ(getpgid(0), getpid());
	KT_EXPECT_EQ(getsid(0), getpid());
	KT_EXPECT_EQ(getsid(getpid()), getpid());
	errno = 0;
	KT_EXPECT_EQ(setsid(), -1);				/* it leads a group */
	KT_EXPECT_EQ(errno, EPERM);
	errno = 0;
	KT_EXPECT_EQ(setpgid(0, 0), -1);			/* a session leader stays put */
	KT_EXPECT_EQ(errno, EPERM);
	errno = 0;
	KT_EXPECT_EQ(setpgid(0, -1), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(getpgid(0x7fff0000), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	errno = 0;
	KT_EXPECT_EQ(getsid(0x7fff0000), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	errno = 0;
	KT_EXPECT_EQ(setpgid(0x7fff0000, 0), -1);		/* not a child */
	KT_EXPECT_EQ(errno, ESRCH);
}

KTEST(pgrp, setpgid_moves_a_child)
{
	int in[2], status;

	KT_ASSERT_EQ(pipe(in), 0);
	pid_t c = kid("read-exit", "4", in[0], -1);
	KT_ASSERT(c > 0);
	KT_EXPECT_EQ(getpgid(c), getpgrp());			/* its parent's group */
	KT_EXPECT_EQ(getsid(c), getsid(0));
	KT_EXPECT_EQ(setpgid(c, 0), 0);				/* a group of its own */
	KT_EXPECT_EQ(getpgid(c), c);
	KT_EXPECT_EQ(setpgid(c, getpgrp()), 0);			/* and back */
	KT_EXPECT_EQ(getpgid(c), getpgrp());
	errno = 0;
	KT_EXPECT_EQ(setpgid(c, 0x7fff0000), -1);		/* no such group in the session */
	KT_EXPECT_EQ(errno, EPERM);
	KT_EXPECT_EQ(setpgid(c, c), 0);
	close(in[0]);
	close(in[1]);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 4);
	errno = 0;
	KT_EXPECT_EQ(setpgid(c, 0), -1);			/* gone */
	KT_EXPECT_EQ(errno, ESRCH);
}

KTEST(pgrp, setpgid_after_exec_and_on_a_session_leader)
{
	int in[2], out[2], status, sid, tsid, tpgrp, tty_errno;
	char buf[64] = { 0 };

	KT_ASSERT_EQ(pipe(in), 0);
	KT_ASSERT_EQ(pipe(out), 0);
	pid_t c = kid("exec", NULL, in[0], out[1]);
	KT_ASSERT(c > 0);
	close(out[1]);
	KT_EXPECT_EQ(read(out[0], buf, 1), 1);			/* the exec'd program runs */
	close(out[0]);
	errno = 0;
	KT_EXPECT_EQ(setpgid(c, 0), -1);			/* it has called exec */
	KT_EXPECT_EQ(errno, EACCES);
	close(in[0]);
	close(in[1]);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT_EQ(WEXITSTATUS(status), 3);			/* the program it exec'd */

	KT_ASSERT_EQ(pipe(in), 0);
	KT_ASSERT_EQ(pipe(out), 0);
	c = kid("setsid", NULL, in[0], out[1]);
	close(out[1]);
	KT_EXPECT(read(out[0], buf, sizeof(buf) - 1) > 0);
	close(out[0]);
	char *at = buf;
	sid = strtol(at, &at, 10);
	tsid = strtol(at, &at, 10);
	tpgrp = strtol(at, &at, 10);
	tty_errno = strtol(at, &at, 10);
	KT_EXPECT(*at == '\n');
	KT_EXPECT_EQ(sid, c);					/* a new session, led by it */
	KT_EXPECT_EQ(tsid, c);
	KT_EXPECT_EQ(tpgrp, c);
	KT_EXPECT_EQ(tty_errno, ENOTTY);			/* with no controlling terminal */
	errno = 0;
	KT_EXPECT_EQ(setpgid(c, getpgrp()), -1);		/* leads a session, another one */
	KT_EXPECT_EQ(errno, EPERM);
	close(in[0]);
	close(in[1]);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
}

KTEST(pgrp, the_console_foreground_group)
{
	int in[2], p[2], status;

	KT_EXPECT_EQ(tcgetpgrp(0), getpgrp());			/* started by the kernel: ours */
	KT_ASSERT_EQ(pipe(p), 0);
	errno = 0;
	KT_EXPECT_EQ(tcgetpgrp(p[0]), -1);
	KT_EXPECT_EQ(errno, ENOTTY);
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(p[1], getpgrp()), -1);
	KT_EXPECT_EQ(errno, ENOTTY);
	close(p[0]);
	close(p[1]);
	errno = 0;
	KT_EXPECT_EQ(tcgetpgrp(OPEN_MAX - 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
	KT_ASSERT_EQ(pipe(in), 0);
	pid_t c = kid("read-exit", "0", in[0], -1);
	KT_ASSERT(c > 0);
	KT_EXPECT_EQ(setpgid(c, c), 0);
	KT_EXPECT_EQ(tcsetpgrp(1, c), 0);			/* a group of our session */
	KT_EXPECT_EQ(tcgetpgrp(1), c);
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(1, 0x7fff0000), -1);
	KT_EXPECT_EQ(errno, EPERM);
	errno = 0;
	KT_EXPECT_EQ(tcsetpgrp(1, 0), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(tcsetpgrp(1, getpgrp()), 0);
	KT_EXPECT_EQ(tcgetpgrp(1), getpgrp());
	close(in[0]);
	close(in[1]);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
}

/* -- waitpid ---------------------------------------------------------------------------------------- */

KTEST(wait, status_macros)
{
	int in[2], status;
	pid_t c;

	c = kid("exit", "7", -1, -1);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT(WIFEXITED(status) && !WIFSIGNALED(status) && !WIFSTOPPED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 7);
	KT_ASSERT_EQ(pipe(in), 0);
	c = kid("read-exit", "0", in[0], -1);
	KT_EXPECT_EQ(kill(c, SIGKILL), 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT(WIFSIGNALED(status) && !WIFEXITED(status) && !WIFSTOPPED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGKILL);
	close(in[0]);
	close(in[1]);
	KT_EXPECT_EQ(waitpid(c, NULL, 0), -1);			/* reaped */
	KT_EXPECT_EQ(errno, ECHILD);
}

KTEST(wait, wnohang_answers_at_once)
{
	int in[2], status = 12345;

	KT_ASSERT_EQ(pipe(in), 0);
	pid_t c = kid("read-exit", "5", in[0], -1);
	KT_EXPECT_EQ(waitpid(c, &status, WNOHANG), 0);		/* still running */
	KT_EXPECT_EQ(status, 12345);				/* untouched */
	KT_EXPECT_EQ(waitpid(-1, &status, WNOHANG), 0);
	close(in[0]);
	close(in[1]);
	while (waitpid(c, &status, WNOHANG) == 0)
		usleep(5000);
	KT_EXPECT_EQ(WEXITSTATUS(status), 5);
	errno = 0;
	KT_EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);	/* no child at all */
	KT_EXPECT_EQ(errno, ECHILD);
	errno = 0;
	KT_EXPECT_EQ(waitpid(-1, &status, 0x40), -1);		/* an option there is not */
	KT_EXPECT_EQ(errno, EINVAL);
}

KTEST(wait, pid_zero_and_minus_pgid_choose_by_group)
{
	int in[2], status;

	KT_ASSERT_EQ(pipe(in), 0);
	pid_t a = kid("read-exit", "1", in[0], -1);
	pid_t b = kid("read-exit", "2", in[0], -1);
	KT_ASSERT(a > 0 && b > 0);
	KT_EXPECT_EQ(setpgid(b, b), 0);				/* b: a group of its own */
	errno = 0;
	KT_EXPECT_EQ(waitpid(-0x7fff0000, &status, 0), -1);	/* no child in that group */
	KT_EXPECT_EQ(errno, ECHILD);
	close(in[0]);
	close(in[1]);					/* both end */
	KT_EXPECT_EQ(waitpid(0, &status, 0), a);		/* our group: a only */
	KT_EXPECT_EQ(WEXITSTATUS(status), 1);
	errno = 0;
	KT_EXPECT_EQ(waitpid(0, &status, WNOHANG), -1);		/* none left in our group */
	KT_EXPECT_EQ(errno, ECHILD);
	KT_EXPECT_EQ(waitpid(-b, &status, 0), b);
	KT_EXPECT_EQ(WEXITSTATUS(status), 2);
}

/* -- poll and select (one thread: the kernel sleeps on the call) ------------------------------- */

KTEST(poll, what_is_ready_now)
{
	int p[2], file = open("/bin/hello", O_RDONLY, 0), closed = OPEN_MAX - 1;
	struct pollfd fds[5];

	KT_ASSERT_EQ(pipe(p), 0);
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN, .revents = 0x7f };
	fds[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	fds[2] = (struct pollfd){ .fd = file, .events = POLLIN | POLLOUT };
	fds[3] = (struct pollfd){ .fd = closed, .events = POLLIN };
	fds[4] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 0x7f };
	KT_EXPECT_EQ(poll(fds, 5, 0), 3);
	KT_EXPECT_EQ(fds[0].revents, 0);			/* empty */
	KT_EXPECT_EQ(fds[1].revents, POLLOUT);
	KT_EXPECT_EQ(fds[2].revents, POLLIN | POLLOUT);		/* a file: always ready */
	KT_EXPECT_EQ(fds[3].revents, POLLNVAL);
	KT_EXPECT_EQ(fds[4].revents, 0);			/* negative: ignored */
	KT_EXPECT_EQ(write(p[1], "x", 1), 1);
	KT_EXPECT_EQ(poll(fds, 1, 0), 1);
	KT_EXPECT_EQ(fds[0].revents, POLLIN);
	fds[2].events = 0;					/* asks nothing: nothing */
	KT_EXPECT_EQ(poll(&fds[2], 1, 0), 0);
	KT_EXPECT_EQ(fds[2].revents, 0);
	fds[0].events = POLLRDNORM;
	KT_EXPECT_EQ(poll(fds, 1, 0), 1);
	KT_EXPECT_EQ(fds[0].revents, POLLRDNORM);
	struct pollfd con = { .fd = 1, .events = POLLOUT };
	KT_EXPECT_EQ(poll(&con, 1, 0), 1);			/* the console takes writes */
	KT_EXPECT_EQ(con.revents, POLLOUT);
	close(file);
	close(p[0]);
	close(p[1]);
}

KTEST(poll, hangups_and_errors)
{
	int p[2];
	struct pollfd fd;

	KT_ASSERT_EQ(pipe(p), 0);
	KT_EXPECT_EQ(write(p[1], "x", 1), 1);
	close(p[1]);
	fd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	KT_EXPECT_EQ(poll(&fd, 1, 0), 1);
	KT_EXPECT_EQ(fd.revents, POLLIN | POLLHUP);		/* a byte, and no writer */
	fd.events = 0;
	KT_EXPECT_EQ(poll(&fd, 1, 0), 1);
	KT_EXPECT_EQ(fd.revents, POLLHUP);			/* reported, asked or not */
	close(p[0]);
	KT_ASSERT_EQ(pipe(p), 0);
	close(p[0]);
	fd = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	KT_EXPECT_EQ(poll(&fd, 1, 0), 1);
	KT_EXPECT_EQ(fd.revents, POLLERR);			/* no reader: a write is EPIPE */
	close(p[1]);
}

KTEST(poll, times_out_with_nothing_ready)
{
	int p[2];
	struct pollfd fd;

	KT_ASSERT_EQ(pipe(p), 0);
	fd = (struct pollfd){ .fd = p[0], .events = POLLIN, .revents = 0x7f };
	uint64_t t0 = counters().ks_ticks;
	KT_EXPECT_EQ(poll(&fd, 1, 30), 0);
	KT_EXPECT_EQ(fd.revents, 0);
	KT_EXPECT(counters().ks_ticks - t0 >= 3);		/* 30 ms: three ticks passed */
	KT_EXPECT_EQ(poll(NULL, 0, 20), 0);			/* no descriptors: a sleep */
	KT_EXPECT_EQ(counters().ks_polls, 0);
	close(p[0]);
	close(p[1]);
}

KTEST(poll, another_process_wakes_it)
{
	int p[2];
	struct pollfd fd;
	struct kstat before = counters();

	KT_ASSERT_EQ(pipe(p), 0);
	pid_t c = kid("write-later", NULL, -1, p[1]);
	fd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	KT_EXPECT_EQ(poll(&fd, 1, -1), 1);			/* waits until the child writes */
	KT_EXPECT_EQ(fd.revents, POLLIN);
	KT_EXPECT(counters().ks_poll_wakeups > before.ks_poll_wakeups);
	KT_EXPECT_EQ(waitpid(c, NULL, 0), c);
	close(p[0]);
	close(p[1]);
}

KTEST(poll, errors)
{
	struct pollfd fds[OPEN_MAX + 1];

	memset(fds, 0, sizeof(fds));
	errno = 0;
	KT_EXPECT_EQ(poll(fds, OPEN_MAX + 1, 0), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(poll(KERNEL_ADDR, 1, 0), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_poll(fds, 12, 0), -1);		/* not a whole number of records */
	KT_EXPECT_EQ(errno, EINVAL);
}

KTEST(poll, an_async_poll_is_aborted_and_leaks_nothing)
{
	int p[2];
	struct pollfd fd;
	struct poll_msg m;
	struct kstat before;

	KT_ASSERT_EQ(pipe(p), 0);
	fd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	cr_poll_msg(&m, &fd, sizeof(fd), -1);
	lwkt_sendmsg(cr_syscall_port, &m.hdr);			/* warms the caches */
	__sys_abortmsg(&m.hdr);
	lwkt_waitmsg(&m.hdr, 0);
	before = counters();
	cr_poll_msg(&m, &fd, sizeof(fd), -1);
	lwkt_sendmsg(cr_syscall_port, &m.hdr);
	KT_EXPECT_EQ(m.hdr.ms_error, EASYNC);			/* filed: it waits */
	KT_EXPECT_EQ(counters().ks_polls, before.ks_polls + 1);
	KT_EXPECT_EQ(__sys_abortmsg(&m.hdr), 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&m.hdr, 0), EINTR);
	struct kstat after = counters();
	KT_EXPECT_EQ(after.ks_polls, before.ks_polls);
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	KT_EXPECT_EQ(after.ks_kmalloc_in_use, before.ks_kmalloc_in_use);
	/* Completed by a write: the answer and revents come with the completion. */
	fd.revents = 0;
	cr_poll_msg(&m, &fd, sizeof(fd), -1);
	lwkt_sendmsg(cr_syscall_port, &m.hdr);
	KT_EXPECT_EQ(write(p[1], "x", 1), 1);
	KT_EXPECT_EQ(lwkt_waitmsg(&m.hdr, 0), 0);
	KT_EXPECT_EQ(m.hdr.ms_result, 1);
	KT_EXPECT_EQ(fd.revents, POLLIN);
	KT_EXPECT_EQ(counters().ks_polls, before.ks_polls);
	close(p[0]);
	close(p[1]);
}

KTEST(poll, closing_the_last_descriptor_of_a_pipe_under_a_poll)
{
	int p[2];
	struct pollfd fds[2];
	struct poll_msg m;

	KT_ASSERT_EQ(pipe(p), 0);
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = p[1], .events = 0 };
	cr_poll_msg(&m, fds, sizeof(fds), -1);
	lwkt_sendmsg(cr_syscall_port, &m.hdr);
	KT_EXPECT_EQ(m.hdr.ms_error, EASYNC);
	close(p[1]);					/* the reader hangs up: ready */
	KT_EXPECT_EQ(lwkt_waitmsg(&m.hdr, 0), 0);
	KT_EXPECT_EQ(m.hdr.ms_result, 2);
	KT_EXPECT_EQ(fds[0].revents, POLLHUP);
	KT_EXPECT_EQ(fds[1].revents, POLLNVAL);			/* closed meanwhile */
	close(p[0]);
	KT_EXPECT_EQ(counters().ks_polls, 0);
}

KTEST(poll, exit_and_kill_reclaim_a_waiting_poll)
{
	int in[2], status;
	struct kstat before;

	KT_ASSERT_EQ(pipe(in), 0);
	pid_t c = kid("poll-forever", NULL, in[0], -1);		/* once: this process's caches */
	usleep(20000);
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	before = counters();
	c = kid("poll-forever", NULL, in[0], -1);
	for (int i = 0; i < 100 && counters().ks_polls == before.ks_polls; i++)
		usleep(2000);
	KT_EXPECT_EQ(counters().ks_polls, before.ks_polls + 1);	/* it waits in poll */
	KT_EXPECT_EQ(kill(c, SIGKILL), 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	struct kstat after = counters();
	KT_EXPECT_EQ(after.ks_polls, before.ks_polls);
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	KT_EXPECT_EQ(after.ks_kmalloc_in_use, before.ks_kmalloc_in_use);
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
	close(in[0]);
	close(in[1]);
}

KTEST(select, gettimeofday_is_the_realtime_clock)
{
	struct timeval tv;
	struct timespec ts;

	KT_EXPECT_EQ(gettimeofday(&tv, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	KT_EXPECT(tv.tv_sec > 1600000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	KT_EXPECT(ts.tv_sec - tv.tv_sec >= 0 && ts.tv_sec - tv.tv_sec <= 1);
}

KTEST(select, over_pipes)
{
	int p[2];
	fd_set r, w;
	struct timeval tv = { 0, 20000 };

	KT_ASSERT_EQ(pipe(p), 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	KT_EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 0);	/* times out */
	KT_EXPECT(!FD_ISSET(p[0], &r));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 0, 0 };
	KT_EXPECT_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 1);	/* only the write end */
	KT_EXPECT(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	KT_EXPECT_EQ(write(p[1], "x", 1), 1);
	FD_SET(p[0], &r);
	KT_EXPECT_EQ(select(p[1] + 1, &r, &w, NULL, NULL), 2);
	KT_EXPECT(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	KT_EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, NULL), 1);	/* end of file: readable */
	close(p[0]);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	errno = 0;
	KT_EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), -1);	/* not open */
	KT_EXPECT_EQ(errno, EBADF);
	errno = 0;
	KT_EXPECT_EQ(select(FD_SETSIZE + 1, NULL, NULL, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	tv.tv_usec = 1000000;
	errno = 0;
	KT_EXPECT_EQ(select(0, NULL, NULL, NULL, &tv), -1);
	KT_EXPECT_EQ(errno, EINVAL);
}

/* -- with user threads: a poll parks only its own thread ------------------------------------------ */

static int wake_fd;

static void *
write_soon(void *arg)
{
	(void)arg;
	cr_thread_sleep(20000000ull);
	write(wake_fd, "w", 1);
	return NULL;
}

KTEST(threads, a_poll_parks_only_its_thread)
{
	int p[2];
	cr_thread_t td;
	struct pollfd fd;

	KT_ASSERT_EQ(pipe(p), 0);
	wake_fd = p[1];
	KT_ASSERT_EQ(cr_thread_create(&td, write_soon, NULL, CR_PRI_DEFAULT, "writer"), 0);
	fd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	KT_EXPECT_EQ(poll(&fd, 1, -1), 1);			/* the writer ran meanwhile */
	KT_EXPECT_EQ(fd.revents, POLLIN);
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	close(p[0]);
	close(p[1]);
}

KTEST(threads, select_without_a_timeout_in_a_threaded_program)
{
	int p[2];
	cr_thread_t td;
	fd_set r;

	KT_ASSERT_EQ(pipe(p), 0);
	wake_fd = p[1];
	KT_ASSERT_EQ(cr_thread_create(&td, write_soon, NULL, CR_PRI_DEFAULT, "writer"), 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	KT_EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, NULL), 1);
	KT_EXPECT(FD_ISSET(p[0], &r));
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	struct timeval tv = { 0, 30000 };			/* a timeout, parked too */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	char c;
	read(p[0], &c, 1);
	KT_EXPECT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 0);
	close(p[0]);
	close(p[1]);
	KT_EXPECT_EQ(counters().ks_polls, 0);
}
