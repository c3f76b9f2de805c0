/*
 * KTAP tests of fork and copy-on-write (docs/syscall-abi.md, "fork"): fork answers twice, with
 * the registers of the trap; the child's writes (heap, stack, data, bss) never reach the parent
 * and the parent's never reach the child; both may write one page and keep their own; the
 * kernel's own writes into a shared page (read, an asynchronous read completed from another
 * process) copy it; descriptors and their offsets are shared; the ring and calls in flight stay
 * the parent's; exec after fork; the shared pages are freed when their last user goes, by kstat;
 * and, last, fork in a threaded program leaves the child one thread on one vCPU.
 *
 * Children report by exit status (0: all their checks held; otherwise the number of the check
 * that failed) and end with _exit: they never print, so the KTAP output is the parent's alone.
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/syscalls.h>
#include <sys/vcpu.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cr/sysport.h>
#include <cr/sync.h>
#include <cr/thread.h>

#define PAGE	4096

/* reap: wait for pid; its exit status, or -1 when the wait failed. */
static int
reap(pid_t pid)
{
	int status = -1;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WEXITSTATUS(status);
}

/* check: a child's check number n: the status it exits with when cond is false. */
#define CHECK(n, cond)	do { if (!(cond)) _exit(n); } while (0)

static struct kstat
ks(void)
{
	struct kstat k;

	kstat(&k, sizeof(k));
	return k;
}

/* -- fork answers twice ---------------------------------------------------------------------- */

KTEST(fork, answers_the_childs_pid_and_zero_in_the_child)
{
	int fds[2];
	pid_t child, seen = 0;

	KT_ASSERT_EQ(pipe(fds), 0);
	child = fork();
	if (child == 0) {
		pid_t me = getpid();
		write(fds[1], &me, sizeof(me));
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT(child != getpid());
	KT_EXPECT_EQ(read(fds[0], &seen, sizeof(seen)), (ssize_t)sizeof(seen));
	KT_EXPECT_EQ(seen, child);			/* the child's own pid is what fork answered */
	KT_EXPECT_EQ(reap(child), 0);
	close(fds[0]);
	close(fds[1]);
}

/* The registers the trap keeps (all but %eax), the direction flag included, in both processes. */
struct regs {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, eflags;
};

static void
fork_with_registers(struct fork_msg *m, struct regs *r)
{
	m->hdr.ms_cmd = SYS_fork;
	m->hdr.ms_flags = MSGF_SYNC;
	__asm__ volatile(
	    "pushl %%ebp\n\t"
	    "pushl %%ebx\n\t"
	    "pushl %1\n\t"
	    "movl $0x11111111, %%ebx\n\t"
	    "movl $0x22222222, %%ecx\n\t"
	    "movl $0x33333333, %%edx\n\t"
	    "movl $0x44444444, %%esi\n\t"
	    "movl $0x55555555, %%edi\n\t"
	    "movl $0x66666666, %%ebp\n\t"
	    "std\n\t"
	    "int $0x80\n\t"
	    "pushfl\n\t"
	    "cld\n\t"
	    "xchgl 4(%%esp), %%ebp\n\t"		/* %ebp: r; the stack keeps ring 3's %ebp */
	    "movl %%eax, 0(%%ebp)\n\t"
	    "movl %%ebx, 4(%%ebp)\n\t"
	    "movl %%ecx, 8(%%ebp)\n\t"
	    "movl %%edx, 12(%%ebp)\n\t"
	    "movl %%esi, 16(%%ebp)\n\t"
	    "movl %%edi, 20(%%ebp)\n\t"
	    "popl 28(%%ebp)\n\t"
	    "popl 24(%%ebp)\n\t"
	    "popl %%ebx\n\t"
	    "popl %%ebp\n\t"
	    : : "a"(m), "r"(r) : "ecx", "edx", "esi", "edi", "memory", "cc");
}

static int
registers_kept(const struct regs *r)
{
	return r->eax == 0 && r->ebx == 0x11111111 && r->ecx == 0x22222222 &&
	    r->edx == 0x33333333 && r->esi == 0x44444444 && r->edi == 0x55555555 &&
	    r->ebp == 0x66666666 && (r->eflags & 0x400);	/* DF */
}

KTEST(fork, both_return_from_the_trap_with_its_registers)
{
	struct fork_msg m;
	struct regs r;

	memset(&r, 0, sizeof(r));
	fork_with_registers(&m, &r);
	if (m.hdr.ms_result == 0) {
		CHECK(1, registers_kept(&r));
		CHECK(2, m.hdr.ms_error == 0);
		_exit(0);
	}
	KT_EXPECT(registers_kept(&r));
	KT_EXPECT_EQ(m.hdr.ms_error, 0);
	KT_ASSERT(m.hdr.ms_result > 0);
	KT_EXPECT_EQ(reap((pid_t)m.hdr.ms_result), 0);
}

/* -- copy-on-write ----------------------------------------------------------------------------- */

static int in_data = 1234;			/* .data */
static int in_bss;				/* .bss */

KTEST(fork, a_childs_writes_never_reach_the_parent)
{
	int on_stack = 77;
	int *on_heap = malloc(64 * sizeof(int));
	int fds[2];
	char c;

	KT_ASSERT(on_heap != NULL);
	for (int i = 0; i < 64; i++)
		on_heap[i] = i;
	in_data = 1234;
	in_bss = 0;
	KT_ASSERT_EQ(pipe(fds), 0);
	pid_t child = fork();
	if (child == 0) {
		on_stack = -1;
		*(volatile int *)&on_stack = -1;
		in_data = -2;
		in_bss = -3;
		for (int i = 0; i < 64; i++)
			on_heap[i] = -i;
		CHECK(1, *(volatile int *)&on_stack == -1 && in_data == -2 && in_bss == -3);
		CHECK(2, on_heap[63] == -63);
		write(fds[1], "w", 1);			/* written: the parent looks now */
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(read(fds[0], &c, 1), 1);
	KT_EXPECT_EQ(*(volatile int *)&on_stack, 77);
	KT_EXPECT_EQ(in_data, 1234);
	KT_EXPECT_EQ(in_bss, 0);
	int same = 1;
	for (int i = 0; i < 64; i++)
		same &= on_heap[i] == i;
	KT_EXPECT(same);
	KT_EXPECT_EQ(reap(child), 0);
	free(on_heap);
	close(fds[0]);
	close(fds[1]);
}

KTEST(fork, the_parents_writes_never_reach_the_child)
{
	int on_stack = 5;
	int *on_heap = malloc(sizeof(int));
	int go[2];
	char c;

	KT_ASSERT(on_heap != NULL);
	*on_heap = 6;
	in_data = 7;
	in_bss = 8;
	KT_ASSERT_EQ(pipe(go), 0);
	pid_t child = fork();
	if (child == 0) {
		read(go[0], &c, 1);			/* the parent has written everything */
		CHECK(1, *(volatile int *)&on_stack == 5);
		CHECK(2, *on_heap == 6);
		CHECK(3, in_data == 7);
		CHECK(4, in_bss == 8);
		_exit(0);
	}
	KT_ASSERT(child > 0);
	*(volatile int *)&on_stack = 50;
	*on_heap = 60;
	in_data = 70;
	in_bss = 80;
	KT_EXPECT_EQ(write(go[1], "g", 1), 1);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(*(volatile int *)&on_stack, 50);
	KT_EXPECT_EQ(*on_heap, 60);
	free(on_heap);
	close(go[0]);
	close(go[1]);
}

static char one_page[PAGE] __attribute__((aligned(PAGE)));

KTEST(fork, both_write_one_page_and_each_keeps_its_own)
{
	int to_child[2], to_parent[2];
	char c;

	memset(one_page, 'o', sizeof(one_page));
	KT_ASSERT_EQ(pipe(to_child), 0);
	KT_ASSERT_EQ(pipe(to_parent), 0);
	struct kstat k0 = ks();
	pid_t child = fork();
	if (child == 0) {
		one_page[0] = 'c';
		one_page[PAGE - 1] = 'c';
		write(to_parent[1], "1", 1);
		read(to_child[0], &c, 1);		/* the parent has written its own */
		CHECK(1, one_page[0] == 'c' && one_page[PAGE - 1] == 'c' && one_page[1] == 'o');
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(read(to_parent[0], &c, 1), 1);
	KT_EXPECT_EQ(one_page[0], 'o');			/* the child's write is the child's */
	one_page[0] = 'p';
	one_page[PAGE - 1] = 'p';
	KT_EXPECT_EQ(write(to_child[1], "2", 1), 1);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT(one_page[0] == 'p' && one_page[PAGE - 1] == 'p' && one_page[1] == 'o');
	KT_EXPECT(ks().ks_cow_copies > k0.ks_cow_copies);	/* copies were made, not shared writes */
	for (int i = 0; i < 2; i++) {
		close(to_child[i]);
		close(to_parent[i]);
	}
}

static char read_page[PAGE] __attribute__((aligned(PAGE)));

/* The kernel writes a shared page itself: read() in the writer's own trap (copyout). */
KTEST(fork, read_into_a_shared_page_copies_it)
{
	int fds[2];

	memset(read_page, '.', sizeof(read_page));
	KT_ASSERT_EQ(pipe(fds), 0);
	KT_ASSERT_EQ(write(fds[1], "child!", 6), 6);	/* waiting in the pipe: the read copies now */
	pid_t child = fork();
	if (child == 0) {
		CHECK(1, read(fds[0], read_page + 100, 6) == 6);	/* not EFAULT: copied */
		CHECK(2, memcmp(read_page + 100, "child!", 6) == 0);
		CHECK(3, read_page[99] == '.' && read_page[106] == '.');
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(read_page[100], '.');		/* the parent's copy: untouched */
	/* And the parent reads into the page it still shares with nobody now. */
	KT_EXPECT_EQ(write(fds[1], "parent", 6), 6);
	KT_EXPECT_EQ(read(fds[0], read_page + 100, 6), 6);
	KT_EXPECT_EQ(memcmp(read_page + 100, "parent", 6), 0);
	close(fds[0]);
	close(fds[1]);
}

static char async_page[PAGE] __attribute__((aligned(PAGE)));

/*
 * The kernel writes a shared page from another process: the child's asynchronous read of an
 * empty pipe is completed by the parent's write, through the child's page tables (pmap_copy).
 */
KTEST(fork, an_async_read_completed_by_another_process_copies_the_page)
{
	int data[2], ready[2];
	char c;

	memset(async_page, '-', sizeof(async_page));
	KT_ASSERT_EQ(pipe(data), 0);
	KT_ASSERT_EQ(pipe(ready), 0);
	pid_t child = fork();
	if (child == 0) {
		struct read_msg m;
		cr_read_msg(&m, data[0], async_page + 8, 5);
		lwkt_sendmsg(cr_syscall_port, &m.hdr);
		CHECK(1, m.hdr.ms_error == EASYNC);	/* parked in the kernel */
		write(ready[1], "r", 1);
		CHECK(2, lwkt_waitmsg(&m.hdr, 0) == 0);
		CHECK(3, m.hdr.ms_result == 5);
		CHECK(4, memcmp(async_page + 8, "async", 5) == 0);
		CHECK(5, async_page[7] == '-' && async_page[13] == '-');
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(read(ready[0], &c, 1), 1);
	KT_EXPECT_EQ(write(data[1], "async", 5), 5);	/* completes the child's read from here */
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(async_page[8], '-');		/* the parent's page: untouched */
	for (int i = 0; i < 2; i++) {
		close(data[i]);
		close(ready[i]);
	}
}

/* -- what else the child gets, and what it does not ----------------------------------------------- */

KTEST(fork, a_pipe_connects_parent_and_child)
{
	int fds[2];
	char buf[32] = { 0 };
	ssize_t n, total = 0;

	KT_ASSERT_EQ(pipe(fds), 0);
	pid_t child = fork();
	if (child == 0) {
		close(fds[0]);
		CHECK(1, write(fds[1], "through the pipe", 16) == 16);
		_exit(0);
	}
	KT_ASSERT(child > 0);
	close(fds[1]);
	while ((n = read(fds[0], buf + total, sizeof(buf) - 1 - total)) > 0)
		total += n;
	KT_EXPECT_EQ(n, 0);		/* end of file: the child's copy of the write end closed too */
	KT_EXPECT_EQ(total, 16);
	KT_EXPECT_EQ(strcmp(buf, "through the pipe"), 0);
	KT_EXPECT_EQ(reap(child), 0);
	close(fds[0]);
}

/*
 * A read parked on an empty pipe is woken by the child's write, and the child's exit closes the
 * last write end before the reader goes on (its resume hook: kernel/fs/pipe.c): it still gets
 * the bytes, and the next read end of file.
 */
KTEST(fork, a_parked_read_gets_the_bytes_written_just_before_the_last_close)
{
	int fds[2];
	char buf[16] = { 0 };

	KT_ASSERT_EQ(pipe(fds), 0);
	pid_t child = fork();
	if (child == 0) {
		close(fds[0]);
		usleep(20000);			/* the parent is parked in its read by now */
		CHECK(1, write(fds[1], "woken", 5) == 5);
		_exit(0);			/* closes the last write end */
	}
	KT_ASSERT(child > 0);
	close(fds[1]);
	KT_EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 5);
	KT_EXPECT_EQ(memcmp(buf, "woken", 5), 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 0);	/* end of file */
	close(fds[0]);
}

KTEST(fork, open_files_share_their_offset)
{
	char buf[32] = { 0 };
	int fd = open("/fork-offsets", O_CREAT | O_TRUNC | O_RDWR, 0);

	KT_ASSERT(fd >= 0);
	KT_EXPECT_EQ(write(fd, "one ", 4), 4);
	pid_t child = fork();
	if (child == 0) {
		CHECK(1, write(fd, "two ", 4) == 4);
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 8);	/* the child moved the one offset */
	KT_EXPECT_EQ(write(fd, "three", 5), 5);
	KT_EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	KT_EXPECT_EQ(read(fd, buf, sizeof(buf)), 13);
	KT_EXPECT_EQ(strcmp(buf, "one two three"), 0);
	close(fd);
	KT_EXPECT_EQ(unlink("/fork-offsets"), 0);
}

KTEST(fork, calls_in_flight_stay_the_parents)
{
	int fds[2];
	char buf[4];
	struct read_msg m;

	KT_ASSERT_EQ(pipe(fds), 0);
	cr_read_msg(&m, fds[0], buf, 3);
	lwkt_sendmsg(cr_syscall_port, &m.hdr);
	KT_ASSERT_EQ(m.hdr.ms_error, EASYNC);		/* held by the kernel for the parent */
	pid_t child = fork();
	if (child == 0) {
		struct waitport_msg w;
		w.hdr.ms_cmd = SYS_waitport;
		w.flags = WAITPORT_POLL;
		CHECK(1, cr_trap_sync(&w.hdr) == EAGAIN);	/* nothing in flight here */
		struct waitmsg_msg wm;
		wm.hdr.ms_cmd = SYS_waitmsg;
		wm.umsg = &m;
		CHECK(2, cr_trap_sync(&wm.hdr) == EINVAL);	/* its copy of the read is not held */
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(write(fds[1], "abc", 3), 3);
	KT_EXPECT_EQ(lwkt_waitmsg(&m.hdr, 0), 0);	/* the parent's read completes, for it */
	KT_EXPECT_EQ(m.hdr.ms_result, 3);
	KT_EXPECT_EQ(memcmp(buf, "abc", 3), 0);
	close(fds[0]);
	close(fds[1]);
}

KTEST(fork, the_ring_is_not_inherited)
{
	struct ring_shared *r = __sys_ring_setup(4, 0);

	KT_ASSERT(r != (void *)-1);
	pid_t child = fork();
	if (child == 0) {
		/* No ring here: a new one can be set up (at the same address), and it is fresh. */
		struct ring_shared *mine = __sys_ring_setup(8, 0);
		CHECK(1, mine == r);
		CHECK(2, mine->entries == 8);
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(r->entries, 4);			/* the parent's ring, as it was */
	errno = 0;
	KT_EXPECT(__sys_ring_setup(4, 0) == (void *)-1 && errno == EEXIST);
}

KTEST(fork, the_child_may_exec)
{
	pid_t child = fork();

	if (child == 0) {
		char *argv[] = { "hello", NULL };
		execv("/bin/hello", argv);
		_exit(99);				/* exec failed */
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
}

KTEST(fork, is_refused_in_a_batch)
{
	struct fork_msg m;
	lwkt_msg_t v[1] = { &m.hdr };
	struct kstat k0 = ks();

	cr_fork_msg(&m);
	KT_EXPECT_EQ(cr_submit(v, 1), 1);
	KT_EXPECT_EQ(m.hdr.ms_error, EINVAL);		/* batch = false: nobody was copied */
	KT_EXPECT_EQ(ks().ks_procs, k0.ks_procs);
}

/* -- memory ---------------------------------------------------------------------------------------- */

/*
 * Shared pages are freed when their last user lets go: the parent's heap pages, shared with a
 * child, survive the parent's sbrk(-n) (nothing is freed, nothing is shared any more) and go
 * when the child exits; afterwards every page and reservation is back.
 */
KTEST(fork, shared_pages_are_freed_with_their_last_user)
{
	enum { N = 8 };
	int go[2];
	char c;

	KT_ASSERT_EQ(pipe(go), 0);
	struct kstat k0 = ks();
	char *heap = sbrk(N * PAGE);
	KT_ASSERT(heap != (void *)-1);
	memset(heap, 'h', N * PAGE);
	pid_t child = fork();
	if (child == 0) {
		read(go[0], &c, 1);
		_exit(0);
	}
	KT_ASSERT(child > 0);
	struct kstat k1 = ks();
	KT_EXPECT(k1.ks_pages_shared >= k0.ks_pages_shared + N);
	KT_EXPECT(k1.ks_pages_reserved >= k0.ks_pages_reserved + N);
	KT_EXPECT(sbrk(-N * PAGE) == heap + N * PAGE);
	struct kstat k2 = ks();
	KT_EXPECT_EQ(k2.ks_pages_free, k1.ks_pages_free);	/* the child still has them */
	KT_EXPECT_EQ(k2.ks_pages_shared, k1.ks_pages_shared - N);
	KT_EXPECT_EQ(k2.ks_pages_reserved, k1.ks_pages_reserved - N);
	KT_EXPECT_EQ(write(go[1], "x", 1), 1);
	KT_EXPECT_EQ(reap(child), 0);
	struct kstat k3 = ks();
	KT_EXPECT_EQ(k3.ks_pages_free, k0.ks_pages_free);
	KT_EXPECT_EQ(k3.ks_pages_shared, k0.ks_pages_shared);
	KT_EXPECT_EQ(k3.ks_pages_reserved, k0.ks_pages_reserved);
	KT_EXPECT_EQ(k3.ks_procs, k0.ks_procs);
	close(go[0]);
	close(go[1]);
}

/* Many children, each writing its own pages: when all have ended, kstat is where it started. */
KTEST(fork, every_page_comes_back_after_parent_and_children)
{
	enum { KIDS = 12 };
	pid_t pids[KIDS];
	char *heap = malloc(16 * PAGE);

	KT_ASSERT(heap != NULL);
	memset(heap, 1, 16 * PAGE);
	struct kstat k0 = ks();
	for (int i = 0; i < KIDS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			for (int p = 0; p < 16; p += 1 + i % 3)
				heap[p * PAGE] = (char)i;	/* copies */
			_exit(heap[0] == (char)i ? 0 : 1);
		}
		KT_ASSERT(pids[i] > 0);
	}
	for (int i = 0; i < KIDS; i++)
		KT_EXPECT_EQ(reap(pids[i]), 0);
	KT_EXPECT_EQ(heap[0], 1);
	struct kstat k1 = ks();
	KT_EXPECT_EQ(k1.ks_pages_free, k0.ks_pages_free);
	KT_EXPECT_EQ(k1.ks_pages_shared, k0.ks_pages_shared);
	KT_EXPECT_EQ(k1.ks_pages_reserved, k0.ks_pages_reserved);
	KT_EXPECT_EQ(k1.ks_kmalloc_in_use, k0.ks_kmalloc_in_use);
	KT_EXPECT_EQ(k1.ks_threads, k0.ks_threads);
	KT_EXPECT_EQ(k1.ks_procs, k0.ks_procs);
	free(heap);
}

/* -- threads (last: the program stays threaded from here on) -------------------------------------- */

static void *
spin_yield(void *arg)
{
	volatile int *stop = arg;

	while (!*stop)
		cr_thread_yield();
	return NULL;
}

static void *
read_one(void *arg)
{
	int *fd = arg;
	char c = 0;

	return read(*fd, &c, 1) == 1 ? (void *)(intptr_t)c : NULL;
}

/* child_threads_work: in a child, the scheduler runs new threads and parks calls. */
static void
child_threads_work(void)
{
	int fds[2];
	cr_thread_t td;
	void *got = NULL;

	CHECK(10, cr_thread_count() == 1);
	CHECK(11, cr_vcpu_count() == 1);
	CHECK(12, cr_vcpu_self() == 0);
	CHECK(13, pipe(fds) == 0);
	CHECK(14, cr_thread_create(&td, read_one, &fds[0], CR_PRI_DEFAULT, "reader") == 0);
	cr_thread_yield();				/* the reader parks in its read */
	CHECK(15, write(fds[1], "k", 1) == 1);
	CHECK(16, cr_thread_join(td, &got) == 0 && (intptr_t)got == 'k');
	CHECK(17, cr_thread_count() == 1);
	_exit(0);
}

KTEST(fork, in_a_threaded_program_the_child_has_one_thread)
{
	volatile int stop = 0;
	cr_thread_t t[3];

	for (int i = 0; i < 3; i++)
		KT_ASSERT_EQ(cr_thread_create(&t[i], spin_yield, (void *)&stop, CR_PRI_DEFAULT, "spin"), 0);
	cr_thread_yield();
	KT_EXPECT_EQ(cr_thread_count(), 4);
	pid_t child = fork();
	if (child == 0)
		child_threads_work();
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(cr_thread_count(), 4);		/* the parent's threads are all there */
	stop = 1;
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(cr_thread_join(t[i], NULL), 0);
}

static struct cr_sem ghost_sem;
static volatile int ghost_woke;
static pid_t ghost_pid;

static void *
ghost_waits(void *arg)
{
	(void)arg;
	cr_sem_wait(&ghost_sem);
	if (getpid() != ghost_pid)
		_exit(3);				/* it ran in the child: the child says so */
	ghost_woke = 1;
	return NULL;
}

/* A thread blocked at the fork stays behind: posting what it waits for in the child wakes nobody. */
KTEST(fork, a_thread_left_behind_never_runs_in_the_child)
{
	cr_thread_t w;

	cr_sem_init(&ghost_sem, 0);
	ghost_woke = 0;
	ghost_pid = getpid();
	KT_ASSERT_EQ(cr_thread_create(&w, ghost_waits, NULL, CR_PRI_DEFAULT, "ghost"), 0);
	cr_thread_yield();				/* it blocks on the semaphore */
	pid_t child = fork();
	if (child == 0) {
		cr_sem_post(&ghost_sem);
		for (int i = 0; i < 10; i++)
			cr_thread_yield();
		CHECK(1, ghost_woke == 0);
		CHECK(2, cr_thread_count() == 1);
		_exit(0);
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
	KT_EXPECT_EQ(ghost_woke, 0);
	cr_sem_post(&ghost_sem);			/* in the parent it is there, and wakes */
	KT_EXPECT_EQ(cr_thread_join(w, NULL), 0);
	KT_EXPECT_EQ(ghost_woke, 1);
}

static void *
fork_here(void *arg)
{
	pid_t *out = arg;

	*out = fork();
	if (*out == 0) {
		if (cr_thread_count() != 1)
			_exit(1);
		return NULL;		/* the child's last thread returns: the process exits 0 */
	}
	return NULL;
}

KTEST(fork, from_a_thread_the_child_ends_when_that_thread_does)
{
	cr_thread_t td;
	pid_t child = -1;

	KT_ASSERT_EQ(cr_thread_create(&td, fork_here, &child, CR_PRI_DEFAULT, "forker"), 0);
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(reap(child), 0);
}

static pid_t vcpu_child = -1;
static volatile int vcpu_forked;

static void
fork_on_vcpu(void *arg)
{
	(void)arg;
	vcpu_child = fork();
	if (vcpu_child == 0)
		child_threads_work();			/* on the child's only vCPU, number 0 */
	vcpu_forked = 1;
}

KTEST(fork, from_another_vcpu_the_child_has_only_that_one)
{
	int n = cr_vcpu_start(fork_on_vcpu, NULL);

	KT_ASSERT(n > 0);
	while (!vcpu_forked)
		cr_thread_yield();
	KT_ASSERT(vcpu_child > 0);
	KT_EXPECT_EQ(reap(vcpu_child), 0);
	KT_EXPECT_EQ(cr_vcpu_count(), 2);		/* the parent's vCPUs are all there */
}
