/*
 * KTAP tests of asynchronous system calls: EASYNC and later completion, waitmsg and waitport,
 * abort, batches, the shared ring, and what exit and kill reclaim.
 */
#include <sys/ktest.h>
#include <cr/thread.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/wait.h>
#include <cr/sysport.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static void
send(struct lwkt_msg *m)
{
	lwkt_sendmsg(cr_syscall_port, m);
}

KTEST(async, read_of_empty_pipe_completes_later)
{
	int fds[2];
	char buf[16] = { 0 };
	struct read_msg r;

	KT_EXPECT_EQ(pipe(fds), 0);
	cr_read_msg(&r, fds[0], buf, sizeof(buf));
	send(&r.hdr);
	KT_EXPECT_EQ(r.hdr.ms_flags & (MSGF_DONE | MSGF_REMOTE), MSGF_REMOTE);	/* the kernel's */
	KT_EXPECT_EQ(r.hdr.ms_error, EASYNC);			/* ... and it says so */
	uint32_t flags = r.hdr.ms_flags;
	KT_EXPECT_EQ(write(fds[1], "hi", 2), 2);		/* completes the read in the kernel */
	KT_EXPECT(memcmp(buf, "hi", 2) == 0);			/* the bytes are there ... */
	KT_EXPECT_EQ(r.hdr.ms_error, EASYNC);			/* ... the answer waits for us */
	KT_EXPECT_EQ(r.hdr.ms_flags, flags);			/* the kernel never writes flags */
	KT_EXPECT_EQ(lwkt_waitmsg(&r.hdr, 0), 0);		/* collects it */
	KT_EXPECT_EQ(r.hdr.ms_result, 2);
	KT_EXPECT_EQ(r.hdr.ms_flags & (MSGF_DONE | MSGF_REMOTE | MSGF_QUEUED), MSGF_DONE);
	close(fds[0]);
	close(fds[1]);
}

KTEST(async, waitport_returns_completions_in_order)
{
	int a[2], b[2];
	char ba, bb;
	struct read_msg ra, rb;

	KT_EXPECT_EQ(pipe(a), 0);
	KT_EXPECT_EQ(pipe(b), 0);
	cr_read_msg(&ra, a[0], &ba, 1);
	cr_read_msg(&rb, b[0], &bb, 1);
	send(&ra.hdr);
	send(&rb.hdr);
	write(b[1], "B", 1);
	write(a[1], "A", 1);
	KT_EXPECT(lwkt_waitport(&cr_reply_port, 0) == &rb.hdr);	/* b completed first */
	KT_EXPECT(lwkt_waitport(&cr_reply_port, 0) == &ra.hdr);
	KT_EXPECT(ba == 'A' && bb == 'B');
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

KTEST(async, immediate_answer_is_replied_in_userland)
{
	struct getpid_msg g;
	struct kstat before, after;

	kstat(&before, sizeof(before));
	cr_getpid_msg(&g);
	send(&g.hdr);
	/* answered at once: already on our reply port, without another trap to collect it */
	KT_EXPECT_EQ(g.hdr.ms_flags & (MSGF_DONE | MSGF_QUEUED | MSGF_REMOTE), MSGF_DONE | MSGF_QUEUED);
	KT_EXPECT(lwkt_waitport(&cr_reply_port, 0) == &g.hdr);
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_syscalls - before.ks_syscalls, 2);	/* getpid and one kstat */
	KT_EXPECT_EQ(g.hdr.ms_result, getpid());
}

KTEST(async, abort_ends_a_pending_read_with_eintr)
{
	int fds[2];
	char c;
	struct read_msg r;
	struct kstat ks;

	KT_EXPECT_EQ(pipe(fds), 0);
	cr_read_msg(&r, fds[0], &c, 1);
	send(&r.hdr);
	KT_EXPECT_EQ(__sys_abortmsg(&r.hdr), 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&r.hdr, 0), EINTR);
	kstat(&ks, sizeof(ks));
	KT_EXPECT_EQ(ks.ks_sysmsg_outstanding, 0);
	KT_EXPECT_EQ(__sys_abortmsg(&r.hdr), -1);		/* no longer the kernel's */
	KT_EXPECT_EQ(errno, EINVAL);
	close(fds[0]);
	close(fds[1]);
}

KTEST(async, lwkt_abortmsg_reaches_the_kernel)
{
	int fds[2];
	char c;
	struct read_msg r;

	KT_EXPECT_EQ(pipe(fds), 0);
	cr_read_msg(&r, fds[0], &c, 1);
	send(&r.hdr);
	KT_EXPECT((r.hdr.ms_flags & MSGF_ABORTABLE) != 0);	/* in the kernel's hands */
	lwkt_abortmsg(&r.hdr);				/* the shared port code's abort */
	KT_EXPECT_EQ(lwkt_waitmsg(&r.hdr, 0), EINTR);
	close(fds[0]);
	close(fds[1]);
}

KTEST(async, sleep_and_read_overlap)
{
	int fds[2];
	char c;
	struct read_msg r;
	struct sleep_ns_msg s;
	struct timespec t0, t1;

	KT_EXPECT_EQ(pipe(fds), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_sleep_ns_msg(&s, 50000000ull);			/* 50 ms */
	cr_read_msg(&r, fds[0], &c, 1);
	send(&s.hdr);
	send(&r.hdr);
	write(fds[1], "x", 1);
	KT_EXPECT(lwkt_waitport(&cr_reply_port, 0) == &r.hdr);	/* the read did not wait for the sleep */
	KT_EXPECT(lwkt_waitport(&cr_reply_port, 0) == &s.hdr);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int64_t ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	KT_EXPECT(ms >= 50);
	close(fds[0]);
	close(fds[1]);
}

KTEST(async, waits_with_nothing_in_flight)
{
	struct null_msg n;

	errno = 0;
	KT_EXPECT(__sys_waitport(0) == (void *)-1);
	KT_EXPECT_EQ(errno, EAGAIN);
	lwkt_initmsg(&n.hdr, NULL, 0);
	n.hdr.ms_flags = 0;					/* looks in flight, was never sent */
	KT_EXPECT_EQ(__sys_waitmsg(&n.hdr), -1);
	KT_EXPECT_EQ(errno, EINVAL);
}

KTEST(batch, eight_nulls_in_one_trap)
{
	struct null_msg n[8];
	lwkt_msg_t v[8];
	struct kstat before, after;

	for (int i = 0; i < 8; i++) {
		cr_null_msg(&n[i]);
		v[i] = &n[i].hdr;
	}
	kstat(&before, sizeof(before));
	KT_EXPECT_EQ(cr_submit(v, 8), 8);
	kstat(&after, sizeof(after));
	/* 8 nulls, the submit, and the second kstat (each kstat counts itself) ... */
	KT_EXPECT_EQ(after.ks_syscalls - before.ks_syscalls, 10);
	for (int i = 0; i < 8; i++) {		/* ... all answered at once, complete in place */
		KT_EXPECT_EQ(v[i]->ms_flags & (MSGF_DONE | MSGF_QUEUED | MSGF_REMOTE), MSGF_DONE);
		KT_EXPECT_EQ(lwkt_waitmsg(v[i], 0), 0);
	}
	KT_EXPECT(lwkt_getport(&cr_reply_port) == NULL);	/* nothing was queued */
}

KTEST(batch, mixed_batch_completes_each_message_once)
{
	int fds[2];
	char c[4];
	struct read_msg r[4];
	struct write_msg w;
	lwkt_msg_t v[5];
	int seen[5] = { 0 };

	KT_EXPECT_EQ(pipe(fds), 0);
	for (int i = 0; i < 4; i++) {
		cr_read_msg(&r[i], fds[0], &c[i], 1);
		v[i] = &r[i].hdr;
	}
	cr_write_msg(&w, fds[1], "wxyz", 4);		/* completes all four reads */
	v[4] = &w.hdr;
	KT_EXPECT_EQ(cr_submit(v, 5), 5);
	/* The write was answered at once, in place; the four reads were held, and are collected
	 * from the reply port. */
	KT_EXPECT_EQ(w.hdr.ms_flags & (MSGF_DONE | MSGF_QUEUED), MSGF_DONE);
	KT_EXPECT_EQ(w.hdr.ms_result, 4);
	seen[4]++;
	for (int i = 0; i < 4; i++) {
		lwkt_msg_t m = lwkt_waitport(&cr_reply_port, 0);
		for (int j = 0; j < 5; j++)
			seen[j] += m == v[j];
	}
	for (int j = 0; j < 5; j++)
		KT_EXPECT_EQ(seen[j], 1);
	KT_EXPECT(memcmp(c, "wxyz", 4) == 0);
	close(fds[0]);
	close(fds[1]);
}

/*
 * submit answers how many it took (low word of ms_result) and how many of those it holds (high
 * word), so cr_submit looks for held messages only when there are some; the same messages
 * submitted again (flags left as the first submit made them) behave the same.
 */
KTEST(batch, submit_answers_how_many_it_holds)
{
	int fds[2];
	char c[2];
	struct read_msg r[2];
	struct null_msg n[3];
	lwkt_msg_t v[5];
	struct submit_msg s;

	KT_EXPECT_EQ(pipe(fds), 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 2; i++) {
			cr_read_msg(&r[i], fds[0], &c[i], 1);	/* an empty pipe: held */
			r[i].hdr.ms_flags = MSGF_ASYNC;
			v[2 * i] = &r[i].hdr;
		}
		for (int i = 0; i < 3; i++) {
			if (round == 0)
				cr_null_msg(&n[i]);
			n[i].hdr.ms_flags = MSGF_ASYNC;
			v[i == 0 ? 1 : i + 2] = &n[i].hdr;
		}
		lwkt_initmsg(&s.hdr, NULL, 0);
		s.hdr.ms_cmd = SYS_submit;
		s.hdr.ms_flags = 0;
		s.vec = v;
		s.len = sizeof(v);
		KT_EXPECT_EQ(cr_trap(&s.hdr), 0);
		KT_EXPECT_EQ((uint32_t)s.hdr.ms_result, 5);		/* taken */
		KT_EXPECT_EQ((uint32_t)(s.hdr.ms_result >> 32), 2);	/* held: the two reads */
		for (int i = 0; i < 3; i++)
			KT_EXPECT_EQ(n[i].hdr.ms_error, 0);
		KT_EXPECT_EQ(write(fds[1], "ab", 2), 2);		/* completes both reads */
		for (int i = 0; i < 2; i++) {		/* collected raw: libcr never saw them */
			struct waitmsg_msg w;
			w.hdr.ms_cmd = SYS_waitmsg;
			w.umsg = &r[i].hdr;
			KT_EXPECT_EQ(cr_trap_sync(&w.hdr), 0);
			KT_EXPECT_EQ(r[i].hdr.ms_error, 0);
			KT_EXPECT_EQ(r[i].hdr.ms_result, 1);
		}
	}
	/* Through cr_submit, twice with the same messages: the second time their flags are as the
	 * first left them. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++)
			v[i] = &n[i].hdr;
		if (round == 0)
			for (int i = 0; i < 3; i++)
				cr_null_msg(&n[i]);
		KT_EXPECT_EQ(cr_submit(v, 3), 3);
		for (int i = 0; i < 3; i++) {
			KT_EXPECT_EQ(n[i].hdr.ms_flags, MSGF_DONE | MSGF_REPLY | MSGF_ASYNC);
			KT_EXPECT_EQ(lwkt_waitmsg(v[i], 0), 0);
		}
	}
	close(fds[0]);
	close(fds[1]);
}

/*
 * The inline loop (run_inline) takes runs of different calls, answers an error in place and
 * goes on: setsid twice (the second, at least, finds the caller a group leader: EPERM),
 * getpid and null between.
 */
KTEST(batch, inline_calls_mixed_and_failing_are_each_answered)
{
	struct setsid_msg s[2];
	struct getpid_msg g[2];
	struct null_msg n[2];
	lwkt_msg_t v[6] = { &n[0].hdr, &g[0].hdr, &s[0].hdr, &s[1].hdr, &g[1].hdr, &n[1].hdr };

	for (int i = 0; i < 2; i++) {
		cr_setsid_msg(&s[i]);
		cr_getpid_msg(&g[i]);
		cr_null_msg(&n[i]);
	}
	KT_EXPECT_EQ(cr_submit(v, 6), 6);
	KT_EXPECT_EQ(n[0].hdr.ms_error, 0);
	KT_EXPECT_EQ(g[0].hdr.ms_error, 0);
	KT_EXPECT_EQ(g[0].hdr.ms_result, getpid());
	KT_EXPECT(s[0].hdr.ms_error == 0 || s[0].hdr.ms_error == EPERM);
	KT_EXPECT_EQ(s[1].hdr.ms_error, EPERM);
	KT_EXPECT_EQ(s[1].hdr.ms_result, 0);
	KT_EXPECT_EQ(g[1].hdr.ms_result, getpid());
	KT_EXPECT_EQ(n[1].hdr.ms_error, 0);
	for (int i = 0; i < 6; i++)
		KT_EXPECT_EQ(v[i]->ms_flags & (MSGF_DONE | MSGF_QUEUED | MSGF_REMOTE), MSGF_DONE);
}

KTEST(batch, bad_address_ends_the_batch)
{
	struct null_msg a, b;
	lwkt_msg_t v[3] = { &a.hdr, (lwkt_msg_t)0x10, &b.hdr };

	/* The raw call: cr_submit would itself touch the bad pointer. */
	cr_null_msg(&a);
	cr_null_msg(&b);
	a.hdr.ms_flags = b.hdr.ms_flags = MSGF_ASYNC;
	a.hdr.ms_error = b.hdr.ms_error = -1;
	KT_EXPECT_EQ(__sys_submit(v, sizeof(v)), 1);	/* taken up to the bad one */
	KT_EXPECT_EQ(a.hdr.ms_error, 0);		/* answered */
	KT_EXPECT_EQ(b.hdr.ms_error, -1);		/* never reached */
}

/*
 * What if a batch holds itself, or a submit holds a submit that holds itself? Nested batches
 * once recursed on one kernel stack until it overflowed. A submit, ring_enter, exit, exec or
 * vcpu_exit is never an entry of a batch (batch = false in the spec): EINVAL for that entry.
 */
KTEST(batch, a_submit_inside_a_batch_is_refused)
{
	struct submit_msg outer, inner;
	lwkt_msg_t inner_vec[1] = { &inner.hdr }, outer_vec[1] = { &inner.hdr };

	for (int async = 0; async < 2; async++) {
		lwkt_initmsg(&inner.hdr, NULL, 0);
		inner.hdr.ms_cmd = SYS_submit;
		inner.vec = inner_vec;			/* a batch that holds itself */
		inner.len = sizeof(inner_vec);
		inner.hdr.ms_flags = async ? MSGF_ASYNC : 0;
		lwkt_initmsg(&outer.hdr, NULL, 0);
		outer.hdr.ms_cmd = SYS_submit;
		outer.vec = outer_vec;
		outer.len = sizeof(outer_vec);
		outer.hdr.ms_flags = 0;
		KT_EXPECT_EQ(cr_trap(&outer.hdr), 0);
		KT_EXPECT_EQ(outer.hdr.ms_result, 1);		/* the entry was taken ... */
		KT_EXPECT_EQ(inner.hdr.ms_error, EINVAL);	/* ... and refused */
	}
	/* The same message as a batch of its own: its one entry (itself) is refused. */
	KT_EXPECT_EQ(cr_trap(&inner.hdr), 0);
	KT_EXPECT_EQ(inner.hdr.ms_result, 1);
}

KTEST(batch, calls_that_end_or_replace_the_caller_are_refused_in_a_batch)
{
	struct exit_msg e;
	struct vcpu_exit_msg ve;
	struct exec_msg x;
	struct null_msg n;
	struct kstat before, after;
	lwkt_msg_t v[4] = { &e.hdr, &ve.hdr, &x.hdr, &n.hdr };

	kstat(&before, sizeof(before));
	for (int async = 0; async < 2; async++) {
		lwkt_initmsg(&e.hdr, NULL, 0);
		e.hdr.ms_cmd = SYS_exit;
		e.status = 3;
		lwkt_initmsg(&ve.hdr, NULL, 0);
		ve.hdr.ms_cmd = SYS_vcpu_exit;
		ve.status = 4;
		cr_exec_msg(&x, "/bin/hello", "hello", 6, "", 0);
		cr_null_msg(&n);
		for (int i = 0; i < 4; i++)
			v[i]->ms_flags = async ? MSGF_ASYNC : 0;
		struct submit_msg s;
		lwkt_initmsg(&s.hdr, NULL, 0);
		s.hdr.ms_cmd = SYS_submit;
		s.vec = v;
		s.len = sizeof(v);
		s.hdr.ms_flags = async ? MSGF_ASYNC : 0;	/* exit in an async batch once leaked */
		KT_EXPECT_EQ(cr_trap(&s.hdr), 0);		/* answered at once */
		KT_EXPECT_EQ(s.hdr.ms_result, 4);		/* still here to see the answers */
		for (int i = 0; i < 4; i++)
			KT_EXPECT_EQ(v[i]->ms_error, i < 3 ? EINVAL : 0);
	}
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_sysmsg_live, before.ks_sysmsg_live);
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	KT_EXPECT_EQ(after.ks_kmalloc_in_use, before.ks_kmalloc_in_use);
}

KTEST(ring, sixteen_nulls_complete_into_the_ring)
{
	struct ring_shared *rs = __sys_ring_setup(16, 0);
	struct null_msg n[16];

	KT_EXPECT(rs != (void *)-1);
	if (rs == (void *)-1)
		return;
	KT_EXPECT_EQ(rs->entries, 16);
	uint32_t *sq = (uint32_t *)((char *)rs + rs->sq_off), *cq = (uint32_t *)((char *)rs + rs->cq_off);
	for (int i = 0; i < 16; i++) {
		cr_null_msg(&n[i]);
		n[i].hdr.ms_flags = MSGF_ASYNC;
		sq[rs->sq_tail++ & rs->mask] = (uint32_t)&n[i];
	}
	KT_EXPECT_EQ(__sys_ring_enter(16, 16, 0), 16);
	KT_EXPECT_EQ(rs->cq_tail - rs->cq_head, 16);
	for (int i = 0; i < 16; i++) {
		struct null_msg *m = (struct null_msg *)cq[rs->cq_head++ & rs->mask];
		KT_EXPECT(m == &n[i]);
		KT_EXPECT_EQ(m->hdr.ms_flags, MSGF_ASYNC);	/* as sent: flags are the sender's */
		KT_EXPECT_EQ(m->hdr.ms_error, 0);
	}
	KT_EXPECT(__sys_ring_setup(16, 0) == (void *)-1);		/* one ring per process */
	KT_EXPECT_EQ(errno, EEXIST);
}

KTEST(ring, a_blocking_read_completes_into_the_ring_later)
{
	struct ring_shared *rs = (struct ring_shared *)0;
	int fds[2];
	char c = 0;
	struct read_msg r;

	/* The ring made by the previous case is still ours. */
	rs = (struct ring_shared *)RING_UADDR;
	KT_EXPECT_EQ(pipe(fds), 0);
	cr_read_msg(&r, fds[0], &c, 1);
	r.hdr.ms_flags = MSGF_ASYNC;
	uint32_t *sq = (uint32_t *)((char *)rs + rs->sq_off), *cq = (uint32_t *)((char *)rs + rs->cq_off);
	sq[rs->sq_tail++ & rs->mask] = (uint32_t)&r;
	KT_EXPECT_EQ(__sys_ring_enter(1, 0, 0), 1);
	KT_EXPECT_EQ(rs->cq_tail - rs->cq_head, 0);		/* still waiting for a byte */
	write(fds[1], "r", 1);
	KT_EXPECT_EQ(rs->cq_tail - rs->cq_head, 1);
	KT_EXPECT(cq[rs->cq_head++ & rs->mask] == (uint32_t)&r);
	KT_EXPECT(c == 'r' && r.hdr.ms_result == 1);
	close(fds[0]);
	close(fds[1]);
}

KTEST(ring, hostile_ring_fields_cannot_steer_the_kernel)
{
	struct ring_shared *rs = (struct ring_shared *)RING_UADDR;	/* made by an earlier case */
	uint32_t *cq = (uint32_t *)((char *)rs + sizeof(*rs) + rs->entries * 4);
	uint32_t *sq = (uint32_t *)((char *)rs + sizeof(*rs));
	uint32_t entries = rs->entries, mask = rs->mask;
	struct null_msg n;

	/* The shape fields are the process's to read: scribbling on them changes nothing. */
	rs->cq_off = 0x10000000;
	rs->sq_off = 0x20000000;
	rs->mask = 0xffffffff;
	rs->entries = 1u << 30;
	cr_null_msg(&n);
	n.hdr.ms_flags = MSGF_ASYNC;
	sq[rs->sq_tail++ & mask] = (uint32_t)&n;
	KT_EXPECT_EQ(__sys_ring_enter(1, 1, 0), 1);
	KT_EXPECT(cq[rs->cq_head++ & mask] == (uint32_t)&n);	/* landed where it belongs */
	rs->sq_tail = rs->sq_head + entries + 1;			/* more than a ring can hold */
	errno = 0;
	KT_EXPECT_EQ(__sys_ring_enter(0xffffffff, 0, 0), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	rs->sq_tail = rs->sq_head;
	rs->entries = entries;
	rs->mask = mask;
}

/* A ring full of ring_enter messages (once a triple fault): each entry is refused, EINVAL. */
KTEST(ring, ring_enter_inside_the_ring_is_refused)
{
	struct ring_shared *rs = (struct ring_shared *)RING_UADDR;	/* made by an earlier case */
	uint32_t *sq = (uint32_t *)(rs + 1), *cq = sq + rs->entries;	/* sq_off was scribbled on */
	struct ring_enter_msg re[8];
	struct submit_msg sb;
	lwkt_msg_t vec[1] = { &sb.hdr };

	for (int i = 0; i < 8; i++) {
		lwkt_initmsg(&re[i].hdr, NULL, 0);
		re[i].hdr.ms_cmd = SYS_ring_enter;
		re[i].hdr.ms_flags = MSGF_ASYNC;
		re[i].to_submit = 8;
		re[i].min_complete = 0;
		sq[rs->sq_tail++ & rs->mask] = (uint32_t)&re[i];
	}
	lwkt_initmsg(&sb.hdr, NULL, 0);
	sb.hdr.ms_cmd = SYS_submit;
	sb.hdr.ms_flags = MSGF_ASYNC;
	sb.vec = vec;
	sb.len = sizeof(vec);
	sq[rs->sq_tail++ & rs->mask] = (uint32_t)&sb;
	KT_EXPECT_EQ(__sys_ring_enter(9, 9, 0), 9);
	for (int i = 0; i < 9; i++) {
		struct lwkt_msg *m = (struct lwkt_msg *)cq[rs->cq_head++ & rs->mask];
		KT_EXPECT(m == (i < 8 ? &re[i].hdr : &sb.hdr));
		KT_EXPECT_EQ(m->ms_error, EINVAL);
	}
}

KTEST(reclaim, exit_with_thousands_in_flight_leaks_nothing)
{
	struct kstat before, after;
	int status = -1;
	char *argv[] = { "leaker", "3000", NULL }, *warm[] = { "leaker", "1", NULL };

	/* One small run first: in the KSE model (test_async@kse) the waitpid below blocks with an
	 * upcall frame on this thread's stack, and the stack pages it reaches must be there before
	 * the count. */
	pid_t pid = spawnv("/bin/leaker", warm);
	KT_EXPECT(pid > 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	kstat(&before, sizeof(before));
	pid = spawnv("/bin/leaker", argv);
	KT_EXPECT(pid > 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT_EQ(status, 0);
	kstat(&after, sizeof(after));
	KT_EXPECT(after.ks_aborts - before.ks_aborts >= 3000);	/* each one aborted at exit */
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	KT_EXPECT_EQ(after.ks_sysmsg_live, before.ks_sysmsg_live);
	/* In the KSE model this process may have kept one more ended call's context meanwhile
	 * (its waitpid's: a thread and a two-page stack, ks_kse_pooled), and the vCPU's kernel
	 * thread is a new struct after each blocked call: kmalloc's pages may hold the same
	 * objects in one page more or less (docs/dillon-vs-kse.md). */
	int32_t pooled = (int32_t)(after.ks_kse_pooled - before.ks_kse_pooled);
	KT_EXPECT_EQ(after.ks_kmalloc_in_use, before.ks_kmalloc_in_use + pooled);
	if (cr_kse)
		KT_EXPECT(after.ks_pages_free + 2 * pooled + 1 >= before.ks_pages_free &&
		    after.ks_pages_free + 2 * pooled <= before.ks_pages_free + 1);
	else
		KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
	KT_EXPECT_EQ(after.ks_pipes, before.ks_pipes);
	KT_EXPECT_EQ(after.ks_procs, before.ks_procs);
}

KTEST(reclaim, kill_ends_a_blocked_process)
{
	char *argv[] = { "leaker", "block", NULL };
	int status = -1;
	struct kstat before, after;

	kstat(&before, sizeof(before));
	pid_t pid = spawnv("/bin/leaker", argv);
	KT_EXPECT(pid > 0);
	__sys_sleep_ns(30000000ull);			/* let it block in its read */
	KT_EXPECT_EQ(kill(pid, 9), 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	KT_EXPECT_EQ(kill(pid, 9), -1);			/* gone */
	KT_EXPECT_EQ(errno, ESRCH);
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
	KT_EXPECT_EQ(after.ks_sysmsg_live, before.ks_sysmsg_live);
}
