/*
 * KTAP tests of hostile programs (docs/reliability.md, "The hostile suite"): every act a user
 * program might try against the kernel, each contained, and each case ending with the kernel's
 * resource counters where they started. Acts that kill their actor run in `hostile` children
 * (userland/bin/hostile.c); this program checks how each ended.
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/stat.h>
#include <sys/syscalls.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <cr/sysport.h>

/* What run() answers for a child a signal ended (a CPU fault: kern_waitstatus.c maps it). */
#define KILLED_BY(sig)	(128 + (sig))

/* -- the kernel holds what it held ------------------------------------------------------------- */

#define COUNTERS(X) X(ks_pages_free) X(ks_kmalloc_in_use) X(ks_threads) X(ks_procs) \
	X(ks_sysmsg_live) X(ks_sysmsg_outstanding) X(ks_files) X(ks_pipes) X(ks_ramfs_files) \
	X(ks_ramfs_pages) X(ks_polls) X(ks_pages_shared) X(ks_pages_reserved)

static struct kstat before;

static void
snap(void)
{
	kstat(&before, sizeof(before));
}

/* EXPECT_KSTAT_BACK: every resource counter is back (children end asynchronously: wait a little). */
#define EXPECT_KSTAT_BACK() do {						\
	struct kstat now;							\
	for (int tries = 0; tries < 50; tries++) {				\
		kstat(&now, sizeof(now));					\
		if (now.ks_procs == before.ks_procs && now.ks_threads == before.ks_threads) \
			break;							\
		usleep(10000);							\
	}									\
	COUNTERS(KSTAT_EQ)							\
} while (0)
#define KSTAT_EQ(f)	KT_EXPECT_EQ(now.f, before.f);

/*
 * run: spawn `hostile ARGS...` and wait; returns its exit code, or 128 + the signal that ended
 * it (as a shell's $? says), or -1 if it did not start.
 */
static int
run(const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { "hostile", (char *)a1, (char *)a2, (char *)a3, NULL };
	int status = -1;
	pid_t pid = spawnv("/bin/hostile", argv);

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? KILLED_BY(WTERMSIG(status)) : WEXITSTATUS(status);
}

static int
run_n(const char *mode, long n)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%ld", n);
	return run(mode, buf, NULL);
}

/* -- faults and instructions -------------------------------------------------------------------- */

/*
 * Every vector, from ring 3: the syscall gate (128) answers; the breakpoint (3) and overflow (4)
 * gates, which ring 3 may use, report their own trap (SIGTRAP, SIGSEGV); every other vector's
 * gate is DPL 0 and raises a general-protection fault (SIGSEGV). Every actor dies alone; the
 * kernel answers the next one.
 */
KTEST(hostile, int_every_vector_0_to_255)
{
	int gp = 0, other = 0;

	snap();
	for (int n = 0; n < 256; n++) {
		int status = run_n("int", n);
		if (n == 128) {
			KT_EXPECT_EQ(status, 0);		/* a message at NULL: EFAULT */
		} else if (n == 3 || n == 4) {
			KT_EXPECT_EQ(status, KILLED_BY(n == 3 ? SIGTRAP : SIGSEGV));
			other++;
		} else {
			if (status != KILLED_BY(SIGSEGV))
				printf("# int $%d: exit status %d\n", n, status);
			KT_EXPECT_EQ(status, KILLED_BY(SIGSEGV));
			gp += status == KILLED_BY(SIGSEGV);
		}
	}
	printf("# int $N from ring 3: 1 answered (128), %d own traps (3, 4), %d general-protection "
	    "faults\n", other, gp);
	EXPECT_KSTAT_BACK();
}

/* The console shows "stack overflow" (tests/integration/test_hostile_console.py checks it). */
KTEST(hostile, stack_overflow_kills_with_a_page_fault_status)
{
	snap();
	KT_EXPECT_EQ(run("stack", NULL, NULL), KILLED_BY(SIGSEGV));
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, privileged_instructions_are_general_protection_faults)
{
	snap();
	for (int n = 0; n < 10; n++) {
		int status = run_n("priv", n);
		if (status != KILLED_BY(SIGSEGV))
			printf("# privileged instruction %d: exit status %d\n", n, status);
		KT_EXPECT_EQ(status, KILLED_BY(SIGSEGV));
	}
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, kernel_memory_and_the_lapic_are_out_of_reach)
{
	static const char *const addrs[] = { "100000", "0", "3ffff000", "fee00000", "c0000000",
		"ffffffff" };

	snap();
	for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		int r = run("peek", addrs[i], NULL), w = run("poke", addrs[i], NULL);
		/* a page fault, or (ffffffff: a 4-byte access that wraps) a general-protection
		 * fault: SIGSEGV either way */
		KT_EXPECT_EQ(r, KILLED_BY(SIGSEGV));
		KT_EXPECT_EQ(w, KILLED_BY(SIGSEGV));
	}
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, bad_segment_selectors_are_faults)
{
	snap();
	for (int n = 0; n < 7; n++) {
		int status = run_n("sel", n);
		printf("# bad selector %d: exit status %d\n", n, status);
		KT_EXPECT(status == KILLED_BY(SIGSEGV) ||	/* #GP */
		    status == KILLED_BY(SIGBUS));		/* #NP, #SS */
	}
	EXPECT_KSTAT_BACK();
}

/* -- resources ---------------------------------------------------------------------------------- */

KTEST(hostile, a_spawn_bomb_is_refused_and_cleaned_up)
{
	static pid_t pids[1024];
	int fds[2], n = 0;
	char fd[8];

	snap();
	KT_ASSERT_EQ(pipe(fds), 0);
	snprintf(fd, sizeof(fd), "%d", fds[0]);
	char *argv[] = { "hostile", "block", fd, NULL };
	while (n < 1024 && (pids[n] = spawnv("/bin/hostile", argv)) > 0)
		n++;
	printf("# %d blocked children before spawn failed with errno %d\n", n, errno);
	KT_EXPECT(n < 1024);				/* memory ran out first */
	KT_EXPECT(errno == ENOMEM);
	int starved = 0;
	for (int i = 0; i < n; i++) {
		int status = 0, killed = kill(pids[i], 9) == 0;
		KT_EXPECT_EQ(waitpid(pids[i], &status, 0), pids[i]);
		/* Killed as it blocked; or, started with memory nearly gone, it ended by itself
		 * (libcr's start-up found no heap: 134) before the kill came (ESRCH). */
		KT_EXPECT(killed ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL :
		    errno == ESRCH && status != 0);
		starved += !killed;
	}
	printf("# %d of them ended by themselves, short of memory\n", starved);
	close(fds[0]);
	close(fds[1]);
	EXPECT_KSTAT_BACK();
}

/*
 * fork_bomb: every process forks until fork fails, its children doing the same; each then says
 * so on count (one byte), lets go of the pipe's write end and waits for its end of file, which
 * comes once every process of the bomb has stopped forking. Exits with the errno fork gave.
 */
static __attribute__((noreturn)) void
fork_bomb(int rfd, int wfd, int count)
{
	int err;
	char c;

	while (fork() >= 0)
		;				/* parent and child alike go round again */
	err = errno;
	write(count, "b", 1);
	close(count);
	close(wfd);
	while (read(rfd, &c, 1) > 0)
		;
	_exit(err);
}

KTEST(hostile, a_fork_bomb_runs_out_of_memory_and_is_cleaned_up)
{
	int end[2], count[2], status = -1, n = 0;
	struct kstat now;
	char buf[256];
	ssize_t r;

	snap();
	KT_ASSERT_EQ(pipe(end), 0);
	KT_ASSERT_EQ(pipe(count), 0);
	pid_t root = fork();
	if (root == 0)
		fork_bomb(end[0], end[1], count[1]);
	KT_ASSERT(root > 0);
	close(end[1]);
	close(count[1]);
	while ((r = read(count[0], buf, sizeof(buf))) > 0)	/* end of file: all have stopped */
		n += (int)r;
	KT_EXPECT_EQ(waitpid(root, &status, 0), root);
	KT_EXPECT_EQ(WEXITSTATUS(status), ENOMEM);		/* refused, not killed */
	printf("# fork bomb: %d processes before fork answered ENOMEM everywhere\n", n);
	KT_EXPECT(n > 50);
	close(end[0]);
	close(count[0]);
	for (int tries = 0; tries < 500; tries++) {		/* the orphans end by themselves */
		kstat(&now, sizeof(now));
		if (now.ks_procs == before.ks_procs)
			break;
		usleep(10000);
	}
	EXPECT_KSTAT_BACK();
}

/* fork with its message in the ring's page: the child would get no copy of it to answer in. */
KTEST(hostile, fork_with_its_message_in_the_ring_page_makes_no_child)
{
	struct kstat now;
	struct ring_shared *r = __sys_ring_setup(4, 0);
	struct fork_msg *m = (struct fork_msg *)((char *)r + 4096 - sizeof(*m));

	snap();
	KT_ASSERT(r != (void *)-1);
	m->hdr.ms_cmd = SYS_fork;
	m->hdr.ms_flags = MSGF_SYNC;
	KT_EXPECT_EQ(cr_trap(&m->hdr), EFAULT);
	KT_EXPECT_EQ(m->hdr.ms_error, EFAULT);
	kstat(&now, sizeof(now));
	KT_EXPECT_EQ(now.ks_procs, before.ks_procs);
	KT_EXPECT_EQ(now.ks_pages_shared, before.ks_pages_shared);
	KT_EXPECT_EQ(now.ks_pages_reserved, before.ks_pages_reserved);
}

KTEST(hostile, a_vcpu_bomb_stops_at_the_limit)
{
	snap();
	KT_EXPECT_EQ(run("vcpus", NULL, NULL), 31);	/* VCPU_MAX 32, the first one included */
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, a_thread_bomb_runs_out_of_memory_and_is_cleaned_up)
{
	snap();
	int status = run("threads", NULL, NULL);
	printf("# thread bomb: %d user threads (250: at least) before cr_thread_create failed\n", status);
	KT_EXPECT(status > 0 && status <= 250);		/* 250: at least that many */
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, malloc_to_exhaustion_is_refused_and_cleaned_up)
{
	snap();
	KT_EXPECT_EQ(run("malloc", NULL, NULL), 0);
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, ramfs_quota_then_unlink_gives_everything_back)
{
	static char page[4096];
	char name[32];
	int made = 0, fd, pages = 0, err = 0;

	snap();
	KT_ASSERT_EQ(mkdir("/q", 0700), 0);	/* a directory counts in the quota too */
	for (;;) {				/* files: until the quota's file count */
		snprintf(name, sizeof(name), "/q/%d", made);
		if ((fd = open(name, O_CREAT | O_RDWR, 0)) < 0) {
			err = errno;
			break;
		}
		close(fd);
		made++;
	}
	KT_EXPECT_EQ(err, ENOSPC);
	KT_EXPECT(made > 0 && made <= 63);
	for (int i = 0; i < made && err == ENOSPC; i++) {	/* pages: until the page quota */
		snprintf(name, sizeof(name), "/q/%d", i);
		fd = open(name, O_RDWR, 0);
		for (int j = 0; j < 64; j++) {
			if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
				err = 0;
				break;
			}
			pages++;
		}
		close(fd);
	}
	printf("# ramfs quota: %d files, %d pages of data before ENOSPC\n", made, pages);
	KT_EXPECT(pages > 0 && pages <= 1024);
	KT_EXPECT_EQ(err, 0);				/* a write did come back short */
	fd = open("/q/0", O_RDONLY, 0);			/* unlinked while open: still readable */
	KT_EXPECT_EQ(unlink("/q/0"), 0);
	KT_EXPECT_EQ(open("/q/0", O_RDONLY, 0), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(read(fd, page, 16), 16);
	close(fd);
	for (int i = 1; i < made; i++) {
		snprintf(name, sizeof(name), "/q/%d", i);
		KT_EXPECT_EQ(unlink(name), 0);
	}
	KT_EXPECT_EQ(unlink("/q/1"), -1);
	KT_EXPECT_EQ(errno, ENOENT);
	KT_EXPECT_EQ(rmdir("/q"), 0);
	KT_EXPECT_EQ(unlink("/bin/hostile"), -1);	/* the initrd's files are read-only */
	KT_EXPECT_EQ(errno, EROFS);
	EXPECT_KSTAT_BACK();
}

/* -- other processes ---------------------------------------------------------------------------- */

KTEST(hostile, kill_reaches_only_the_caller_and_its_descendants)
{
	int fds[2], pids[2], status = -1;
	char fd[8], pidbuf[16];
	pid_t a, orphan = 0;

	snap();
	KT_ASSERT_EQ(pipe(fds), 0);
	KT_ASSERT_EQ(pipe(pids), 0);
	snprintf(fd, sizeof(fd), "%d", fds[0]);
	char *argv[] = { "hostile", "block", fd, NULL };
	a = spawnv("/bin/hostile", argv);
	KT_ASSERT(a > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", a);
	KT_EXPECT_EQ(run("killer", pidbuf, NULL), EPERM);	/* a sibling may not */
	snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
	KT_EXPECT_EQ(run("killer", pidbuf, NULL), EPERM);	/* nor its parent, kernel-started */
	snprintf(pidbuf, sizeof(pidbuf), "%d", pids[1]);
	KT_EXPECT_EQ(run("spawnsleep", "300", pidbuf), 0);	/* leaves an orphan */
	KT_EXPECT_EQ(read(pids[0], &orphan, sizeof(orphan)), (ssize_t)sizeof(orphan));
	KT_EXPECT_EQ(kill(orphan, 9), -1);			/* no longer our descendant */
	KT_EXPECT_EQ(errno, EPERM);
	KT_EXPECT_EQ(kill(a, 9), 0);				/* our child: yes */
	KT_EXPECT_EQ(waitpid(a, &status, 0), a);
	KT_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fds[0]);
	close(fds[1]);
	close(pids[0]);
	close(pids[1]);
	usleep(300000);						/* the orphan ends by itself */
	EXPECT_KSTAT_BACK();
}

/*
 * Isolation: a child holds a secret page; this process passes the secret's address (in its own
 * address space), every kernel and physical address, and the LAPIC's, to every call that takes
 * a pointer. None may read the secret or write it: the child checks it is intact at the end,
 * and no byte of it ever reaches this process.
 */
static int
leaked(const char *buf, int n)
{
	for (int i = 0; i + 4 <= n; i++)
		if ((uint8_t)buf[i] == 0xa5 && (uint8_t)buf[i + 1] == (0xa5 ^ 7) &&
		    (uint8_t)buf[i + 2] == (0xa5 ^ 14) && (uint8_t)buf[i + 3] == (0xa5 ^ 21))
			return 1;
	return 0;
}

static void
attack(uint32_t addr, int p[2], int *seen)
{
	char buf[64];
	void *ptr = (void *)addr;
	struct lwkt_msg *m = ptr;
	ssize_t n;
	int fd;
	/* Where this process has memory of its own at addr, calls that write there would write
	 * into this very program: only the reads are tried (they must see its own bytes). */
	int own = addr >= 0x40000000u && addr < (uint32_t)sbrk(0);

	/* reads from addr */
	if ((n = write(p[1], ptr, 32)) > 0)
		*seen += read(p[0], buf, sizeof(buf)) != n || leaked(buf, (int)n);
	__sys_spawn("/bin/nosuch", ptr, 32, ptr, 32);
	__sys_exec("/bin/nosuch", ptr, 32, ptr, 32);
	if ((fd = open(ptr, O_RDONLY, 0)) >= 0)
		close(fd);
	if (own)
		goto reads;
	struct submit_msg sm = { .hdr = { .ms_flags = MSGF_DONE, .ms_cmd = SYS_submit }, .vec = ptr,
		.len = 16 };
	int eax;
	unlink(ptr);
	__asm__ volatile("int $0x80" : "=a"(eax) : "a"(&sm) : "memory");
	__asm__ volatile("int $0x80" : "=a"(eax) : "a"(m) : "memory");	/* a message there */
	/* writes to addr: each must fail, or land in this process's own memory */
	kstat(ptr, 64);
	proclist(ptr, 64);
	pipe(ptr);
	read(p[0], ptr, 0);
	__sys_wait(-1, ptr, 0);
	__sys_waitmsg(ptr);
	__sys_abortmsg(ptr);
reads:
	/* and whatever this process reads back from its own addr is its own */
	if (addr >= 0x40000000u && addr < 0xc0000000u && (n = write(p[1], ptr, 32)) > 0)
		*seen += read(p[0], buf, sizeof(buf)) != n || leaked(buf, (int)n);
}

KTEST(hostile, a_secret_in_another_process_cannot_be_read_or_written)
{
	int to_child[2], from_child[2], p[2], seen = 0, status = -1;
	uint32_t where = 0;
	char rfd[8], wfd[8];

	snap();
	KT_ASSERT_EQ(pipe(to_child), 0);
	KT_ASSERT_EQ(pipe(from_child), 0);
	KT_ASSERT_EQ(pipe(p), 0);
	snprintf(rfd, sizeof(rfd), "%d", to_child[0]);
	snprintf(wfd, sizeof(wfd), "%d", from_child[1]);
	char *argv[] = { "hostile", "secret", rfd, wfd, NULL };
	pid_t pid = spawnv("/bin/hostile", argv);
	KT_ASSERT(pid > 0);
	KT_ASSERT_EQ(read(from_child[0], &where, sizeof(where)), (ssize_t)sizeof(where));
	attack(where, p, &seen);			/* the same virtual address, here */
	for (uint32_t off = 0; off < 4096; off += 512)
		attack(where + off, p, &seen);
	for (uint32_t pa = 0; pa < 0x4000000u; pa += 4096) {	/* every physical page of 64 MiB */
		if ((pa & 0x3fffff) == 0)
			attack(pa, p, &seen);
		else if (write(p[1], (void *)pa, 16) != -1 || errno != EFAULT)
			seen++;
	}
	attack(0x40000000u - 16, p, &seen);		/* straddling the kernel's edge */
	attack(0xfee00000u, p, &seen);			/* the LAPIC */
	attack(0xc0000000u, p, &seen);
	KT_EXPECT_EQ(seen, 0);
	KT_EXPECT_EQ(write(to_child[1], "x", 1), 1);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT_EQ(status, 0);			/* its secret is intact */
	close(to_child[0]);
	close(to_child[1]);
	close(from_child[0]);
	close(from_child[1]);
	close(p[0]);
	close(p[1]);
	EXPECT_KSTAT_BACK();
}

KTEST(hostile, a_pipe_writer_whose_reader_died_gets_epipe)
{
	static char full[4096];
	int fds[2], status = -1;
	char fd[8];
	struct write_msg w;

	signal(SIGPIPE, SIG_IGN);			/* EPIPE, not the end of this program */

	/* One asynchronous call that waits first (a short sleep), so the kernel message the write
	 * below needs comes from this process's cache (kept until it exits) and the counters can
	 * be compared exactly. */
	struct sleep_ns_msg warm = { .hdr = { .ms_flags = MSGF_ASYNC, .ms_cmd = SYS_sleep_ns },
		.ns = 1 };
	int eax;
	__asm__ volatile("int $0x80" : "=a"(eax) : "a"(&warm) : "memory");
	KT_ASSERT_EQ(eax, EASYNC);
	KT_ASSERT_EQ(__sys_waitmsg(&warm), 0);
	snap();
	KT_ASSERT_EQ(pipe(fds), 0);
	snprintf(fd, sizeof(fd), "%d", fds[0]);
	char *argv[] = { "hostile", "deadreader", fd, NULL };
	pid_t pid = spawnv("/bin/hostile", argv);
	KT_ASSERT(pid > 0);
	close(fds[0]);					/* the child is the only reader left */
	KT_EXPECT_EQ(write(fds[1], full, sizeof(full)), (ssize_t)sizeof(full));
	/* the pipe is full: this write waits, in flight, until the reader dies */
	w = (struct write_msg){ .hdr = { .ms_flags = MSGF_ASYNC, .ms_cmd = SYS_write }, .fd = fds[1],
		.buf = "late", .len = 4 };
	__asm__ volatile("int $0x80" : "=a"(eax) : "a"(&w) : "memory");
	KT_EXPECT_EQ(eax, EASYNC);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT_EQ(status, 0);
	KT_EXPECT_EQ(__sys_waitmsg(&w), -1);		/* the reader's death completed it: */
	KT_EXPECT_EQ(errno, EPIPE);
	KT_EXPECT_EQ(write(fds[1], "x", 1), -1);
	KT_EXPECT_EQ(errno, EPIPE);
	close(fds[1]);
	EXPECT_KSTAT_BACK();
	signal(SIGPIPE, SIG_DFL);
}

/* -- the fuzzer's finds ------------------------------------------------------------------------- */

/* A forged header whose ms_error is EASYNC once hung a synchronous waitmsg and leaked an async one. */
KTEST(hostile, waitmsg_of_a_forged_header_neither_hangs_nor_leaks)
{
	snap();
	KT_EXPECT_EQ(run("forge", NULL, NULL), 0);
	EXPECT_KSTAT_BACK();
}

/* A zero-length buffer passes wherever it points (useracc); the copy of nothing once did not. */
KTEST(hostile, a_zero_length_buffer_at_a_bad_address_is_no_fault)
{
	KT_EXPECT_EQ(kstat((void *)0x1000, 0), 0);
	KT_EXPECT_EQ(kstat(NULL, 0), 0);
	KT_EXPECT_EQ(__sys_spawn("/bin/hostile", (void *)0x1000, 0, NULL, 0), -1);
	KT_EXPECT_EQ(errno, EINVAL);			/* no argv[0]: not EFAULT */
}
