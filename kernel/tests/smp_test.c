/*
 * Kernel tests of multiprocessor operation (docs/smp.md): every CPU was brought up and ticks,
 * and the IPI message queues between CPUs. On a one-CPU machine they skip: each needs a
 * second CPU, and each fails on a kernel that does not really run one.
 */
#include "testutil.h"
#include <sys/ipiq.h>
#include <sys/token.h>
#include <sys/serialize.h>
#include <sys/proc.h>
#include <sys/file.h>
#include <abi/stat.h>
#include <abi/poll.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/errno.h>
#include <sys/uaccess.h>
#include <vm/vm.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>

#define NEED_CPUS(n) do { if (ncpus < (n)) KT_SKIP("needs " #n " CPUs"); } while (0)

/* wait_until: spin (interrupts on) until *flag reaches want or 50 ticks pass; true if it did. */
static bool
wait_until(volatile int *flag, int want)
{
	uint64_t until = mycpu->gd_hardticks + 50;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < want && mycpu->gd_hardticks < until)
		__asm__ volatile("pause");
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) >= want;
}

KTEST(smp, every_cpu_runs_and_ticks)
{
	NEED_CPUS(2);
	for (int c = 0; c < ncpus; c++) {
		struct globaldata *gd = globaldata_find(c);
		KT_ASSERT(gd != NULL);
		KT_EXPECT_EQ(gd->gd_cpuid, c);
		KT_EXPECT(gd->gd_started || c == 0);
		KT_EXPECT(gd->gd_self == gd);
		for (int d = 0; d < c; d++)
			KT_EXPECT(globaldata_find(d)->gd_apic_id != gd->gd_apic_id);
	}
	uint64_t before[MAXCPU];
	int ticked = 0;
	for (int c = 0; c < ncpus; c++)
		before[c] = globaldata_find(c)->gd_hardticks;
	/* Each CPU's own clock advances. Up to 100 of CPU 0's ticks (the PIT's, through the I/O
	 * APIC, wake us): on a loaded host QEMU may leave a CPU's thread unscheduled for a while. */
	for (int i = 0; i < 100 && ticked < ncpus; i++) {
		lwkt_sleep(1);
		ticked = 0;
		for (int c = 0; c < ncpus; c++)
			ticked += globaldata_find(c)->gd_hardticks > before[c];
	}
	KT_EXPECT_EQ(ticked, ncpus);
	KT_EXPECT(intr_via_ioapic);
}

/* madt_has: is APIC id id among the CPUs the MADT listed? */
static bool
madt_has(const struct mp_cpus *madt, int id)
{
	for (int i = 0; i < madt->count; i++)
		if (madt->apic_id[i] == id)
			return true;
	return false;
}

KTEST(smp, madt_lists_every_cpu_and_the_mp_table_agrees)
{
	static struct mp_cpus madt, mpt;

	madt.count = mpt.count = 0;
	KT_ASSERT(madt_probe(&madt));
	KT_EXPECT_EQ(madt.count, ncpus);	/* QEMU's MADT lists every CPU it gives */
	for (int c = 0; c < ncpus; c++)
		KT_EXPECT_EQ(globaldata_find(c)->gd_apic_id, madt.apic_id[c]);
	/* qboot has no MP table; SeaBIOS's lists the boot CPU only: what it lists is in the MADT. */
	if (mptable_probe(&mpt)) {
		KT_EXPECT(mpt.count >= 1 && mpt.count <= madt.count);
		for (int i = 0; i < mpt.count; i++)
			KT_EXPECT(madt_has(&madt, mpt.apic_id[i]));
	}
}

struct ipi_probe {
	volatile int	ran;		/* requests run */
	int		cpu[IPIQ_SIZE * 4];	/* the CPU each ran on, by sequence number */
	int		order_ok;	/* each request found its predecessors done */
};

static void
ipi_record(void *arg1, int seq)
{
	struct ipi_probe *p = arg1;

	p->cpu[seq] = mycpu->gd_cpuid;
	if (p->ran != seq)
		p->order_ok = 0;
	__atomic_store_n(&p->ran, seq + 1, __ATOMIC_RELEASE);
}

KTEST(smp, ipiq_runs_on_the_target_in_order)
{
	static struct ipi_probe p;

	NEED_CPUS(2);
	p.ran = 0;
	p.order_ok = 1;
	for (int i = 0; i < 8; i++)
		lwkt_send_ipiq(globaldata_find(1), ipi_record, &p, i);
	KT_ASSERT(wait_until(&p.ran, 8));
	KT_EXPECT(p.order_ok);
	for (int i = 0; i < 8; i++)
		KT_EXPECT_EQ(p.cpu[i], 1);
}

/* ipi_hold: the target CPU stays in this request until the sender has found the ring full
 * (bounded by a billion TSC counts: it may run with interrupts off), so the requests behind it
 * pile up. */
static void
ipi_hold(void *arg1, int arg2)
{
	struct lwkt_ipiq *q = arg1;
	uint64_t until = rdtsc() + 1000000000ull;

	while (*(volatile uint64_t *)&q->iq_full <= (uint64_t)arg2 && rdtsc() < until)
		__asm__ volatile("pause");
}

KTEST(smp, ipiq_full_queue_waits_and_loses_nothing)
{
	static struct ipi_probe p;
	struct lwkt_ipiq *q = lwkt_ipiq_of(0, 1);
	uint64_t full = q->iq_full;
	int n = IPIQ_SIZE * 4;

	NEED_CPUS(2);
	KT_ASSERT(mycpu->gd_cpuid == 0);
	p.ran = 0;
	p.order_ok = 1;
	/* CPU 1 is held in the first request until this CPU has had to wait for room. */
	lwkt_send_ipiq(globaldata_find(1), ipi_hold, q, (int)full);
	for (int i = 0; i < n; i++)
		lwkt_send_ipiq(globaldata_find(1), ipi_record, &p, i);
	KT_ASSERT(wait_until(&p.ran, n));
	KT_EXPECT(p.order_ok);
	KT_EXPECT(q->iq_full > full);
	KT_EXPECT(q->iq_rindex == q->iq_windex);
}

KTEST(smp, ipiq_to_this_cpu_runs_at_once)
{
	static struct ipi_probe p;

	p.ran = 0;
	p.order_ok = 1;
	lwkt_send_ipiq(mycpu, ipi_record, &p, 0);
	KT_EXPECT_EQ(p.ran, 1);
	KT_EXPECT_EQ(p.cpu[0], mycpu->gd_cpuid);
}

/* -- tokens across CPUs ---------------------------------------------------------------------- */

#define TOKEN_ROUNDS	20000

static struct lwkt_token smp_tok = LWKT_TOKEN_INITIALIZER(smp_tok);

struct token_race {
	volatile uint32_t counter;	/* updated only under smp_tok, in two steps */
	uint32_t	by_cpu[MAXCPU];	/* updates made on each CPU */
	volatile int	done;
	volatile int	wrong_cpu;
};

static void
token_worker(void *arg)
{
	struct token_race *r = arg;

	for (int i = 0; i < TOKEN_ROUNDS; i++) {
		lwkt_gettoken(&smp_tok);
		uint32_t v = r->counter;		/* a read-modify-write the token must protect */
		for (int k = 0; k < 8; k++)
			__asm__ volatile("pause");
		r->counter = v + 1;
		r->by_cpu[mycpu->gd_cpuid]++;
		lwkt_reltoken(&smp_tok);
		if ((i & 255) == 0)
			lwkt_yield();
	}
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

/*
 * race_cpus: fn(arg) runs in a thread of each of CPUs 0 .. n-1 at once; wait (up to 30 s of
 * CPU 0's ticks) until each has added 1 to *done. True when each did.
 */
static bool
race_cpus(void (*fn)(void *), void *arg, volatile int *done, int n)
{
	for (int c = 0; c < n; c++)
		if (lwkt_create_cpu(fn, arg, NULL, TDPRI_KERN, 0, "race", c) != 0)
			return false;
	for (int i = 0; i < 3000 && *done < n; i++)
		lwkt_sleep(1);
	return *done == n;
}

/* start_together: a racing worker waits here until all n have arrived, so that they overlap. */
static void
start_together(volatile int *started, int n)
{
	__atomic_add_fetch(started, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(started, __ATOMIC_ACQUIRE) < n)
		__asm__ volatile("pause");
}

/* race_two_cpus: race_cpus on CPUs 0 and 1. */
static bool
race_two_cpus(void (*fn)(void *), void *arg, volatile int *done)
{
	return race_cpus(fn, arg, done, 2);
}

KTEST(smp, token_serializes_two_cpus)
{
	static struct token_race r;
	uint32_t before = lwkt_stats.threads;
	uint64_t collisions = smp_tok.t_collisions;

	NEED_CPUS(2);
	memset(&r, 0, sizeof(r));
	KT_ASSERT(race_two_cpus(token_worker, &r, &r.done));
	KT_EXPECT_EQ(r.counter, 2 * TOKEN_ROUNDS);		/* no update lost */
	KT_EXPECT_EQ(r.by_cpu[0], TOKEN_ROUNDS);		/* each CPU did its share */
	KT_EXPECT_EQ(r.by_cpu[1], TOKEN_ROUNDS);
	KT_EXPECT(smp_tok.t_collisions > collisions);		/* and they did contend */
	KT_EXPECT(smp_tok.t_ref == NULL);
	KT_EXPECT(settle(before));
}

/* -- the process table across CPUs (proc_token) ------------------------------------------ */

#define PTAB_ROUNDS	3000

struct ptab_race {
	struct proc	*parent;	/* off the table: the group and session each child takes */
	uint32_t	found[MAXCPU];	/* rounds whose process proc_find gave back, per CPU */
	uint32_t	rounds[MAXCPU];	/* rounds made, per CPU */
	uint64_t	collisions0;	/* proc_token's collisions before the race */
	volatile int	started;	/* workers at the start line */
	volatile int	bad;		/* rounds that saw the table's length differ from nprocs */
	volatile int	done;
};

/*
 * ptab_worker: PTAB_ROUNDS times, a process goes on the table (a pid), is found by its pid
 * with the table counted against nprocs, and is freed: the life of a process, without its
 * thread and address space.
 */
static void
ptab_worker(void *arg)
{
	struct ptab_race *r = arg;

	start_together(&r->started, 2);
	/* At least PTAB_ROUNDS; more while the two have not met yet (a loaded host may stall one
	 * CPU's thread for a while), up to 20 times as many: the case needs them to contend. */
	for (int i = 0; i < PTAB_ROUNDS || (i < 20 * PTAB_ROUNDS &&
	    *(volatile uint64_t *)&proc_token.t_collisions == r->collisions0); i++) {
		struct proc *p = proc_alloc("ptab"), *q;
		r->rounds[mycpu->gd_cpuid]++;
		uint32_t n = 0;

		if (p == NULL) {
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
			break;
		}
		proc_table_insert(p, r->parent);
		proc_table_lock();
		for (int k = 0; k < 32; k++)		/* hold it long enough to meet the other CPU */
			__asm__ volatile("pause");
		if (proc_find(p->p_pid) == p)		/* a pid given twice finds the other one */
			r->found[mycpu->gd_cpuid]++;
		TAILQ_FOREACH(q, &allproc, p_list)
			n++;
		if (n != nprocs)
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		proc_table_unlock();
		proc_free(p);
		if ((i & 63) == 0)
			lwkt_yield();
	}
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

KTEST(smp, process_table_serializes_two_cpus)
{
	static struct ptab_race r;
	uint32_t before = lwkt_stats.threads, procs = nprocs;
	uint64_t collisions = proc_token.t_collisions;

	NEED_CPUS(2);
	memset(&r, 0, sizeof(r));
	r.collisions0 = collisions;
	KT_ASSERT((r.parent = proc_alloc("ptab-parent")) != NULL);
	r.parent->p_pgid = r.parent->p_sid = 0x7ffffff0;	/* nobody's group: no signal finds them */
	KT_ASSERT(race_two_cpus(ptab_worker, &r, &r.done));
	KT_EXPECT_EQ(r.bad, 0);
	KT_EXPECT_EQ(r.found[0], r.rounds[0]);		/* every pid unique, every process found */
	KT_EXPECT_EQ(r.found[1], r.rounds[1]);
	KT_EXPECT(r.rounds[0] >= PTAB_ROUNDS && r.rounds[1] >= PTAB_ROUNDS);
	KT_EXPECT_EQ(nprocs, procs);				/* none lost or left */
	KT_EXPECT(proc_token.t_collisions > collisions);	/* the two CPUs did contend */
	KT_EXPECT(proc_token.t_ref == NULL);
	kfree(r.parent);
	KT_EXPECT(settle(before));
}

/* -- ramfs across CPUs (ramfs_token) --------------------------------------------------------- */

#define RAMFS_ROUNDS	1500

struct fs_race {
	uint32_t	ok[MAXCPU];	/* rounds whose every step succeeded, per CPU */
	uint32_t	rounds[MAXCPU];	/* rounds made, per CPU */
	uint64_t	collisions0;	/* ramfs_token's collisions before the race */
	volatile int	started;	/* workers at the start line */
	volatile int	done;
};

/*
 * fs_worker: RAMFS_ROUNDS times, in /tmp (which both CPUs' workers change): mkdir a name of its
 * CPU's, stat it, rename it, rmdir it under the new name.
 */
static void
fs_worker(void *arg)
{
	struct fs_race *r = arg;
	int cpu = mycpu->gd_cpuid;
	char a[32], b[32];
	struct stat st;

	snprintf(a, sizeof(a), "/tmp/smp-fs-%d", cpu);
	snprintf(b, sizeof(b), "/tmp/smp-fs-%d-moved", cpu);
	start_together(&r->started, 2);
	for (int i = 0; i < RAMFS_ROUNDS || (i < 20 * RAMFS_ROUNDS &&	/* as ptab_worker */
	    *(volatile uint64_t *)&ramfs_token.t_collisions == r->collisions0); i++) {
		r->rounds[cpu]++;
		if (ramfs_mkdir(NULL, a, 0755) == 0 && ramfs_stat(NULL, a, &st) == 0 &&
		    S_ISDIR(st.st_mode) && ramfs_rename(NULL, a, b) == 0 &&
		    ramfs_stat(NULL, a, &st) == ENOENT && ramfs_rmdir(NULL, b) == 0)
			r->ok[cpu]++;
		if ((i & 63) == 0)
			lwkt_yield();
	}
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

KTEST(smp, ramfs_serializes_two_cpus)
{
	static struct fs_race r;
	uint32_t before = lwkt_stats.threads, files = ramfs_files;
	uint64_t collisions = ramfs_token.t_collisions;
	struct stat st;

	NEED_CPUS(2);
	memset(&r, 0, sizeof(r));
	r.collisions0 = collisions;
	KT_ASSERT(race_two_cpus(fs_worker, &r, &r.done));
	KT_EXPECT_EQ(r.ok[0], r.rounds[0]);
	KT_EXPECT_EQ(r.ok[1], r.rounds[1]);
	KT_EXPECT(r.rounds[0] >= RAMFS_ROUNDS && r.rounds[1] >= RAMFS_ROUNDS);
	KT_EXPECT_EQ(ramfs_files, files);			/* the quota's count: none lost */
	KT_EXPECT_EQ(ramfs_stat(NULL, "/tmp/smp-fs-0-moved", &st), ENOENT);
	KT_EXPECT_EQ(ramfs_stat(NULL, "/tmp/smp-fs-1-moved", &st), ENOENT);
	KT_EXPECT(ramfs_token.t_collisions > collisions);	/* the two CPUs did contend */
	KT_EXPECT(ramfs_token.t_ref == NULL);
	KT_EXPECT(settle(before));
}

/* -- a pipe across CPUs (its spin lock) ------------------------------------------------------ */

#define PIPE_BYTES	60000
#define PIPE_VA		(USER_BASE + 0x10000)	/* the writer's buffer; the reader's at + 2048 */

struct pipe_race {
	struct proc	*p;		/* a process with no thread: its page holds both buffers */
	struct file	*rfp, *wfp;
	uint32_t	moved[MAXCPU];	/* bytes written (CPU 0), bytes read in order (CPU 1) */
	volatile int	done;
};

/*
 * pipe_worker: CPU 0 writes the bytes 0, 1, 2, ... (mod 251) in runs of up to 7, CPU 1 reads
 * them in runs of up to 13 and checks their order; each calls only when poll says the call
 * will not wait (only the other side can change that, and only in its favour).
 */
static void
pipe_worker(void *arg)
{
	struct pipe_race *r = arg;
	int cpu = mycpu->gd_cpuid;
	bool writer = cpu == 0;
	struct file *fp = writer ? r->wfp : r->rfp;
	uint32_t va = PIPE_VA + (writer ? 0 : 2048), n = 0;
	struct ksysmsg ksm;
	uint8_t buf[16];

	while (n < PIPE_BYTES) {
		uint32_t len = writer ? 1 + n % 7 : 1 + n % 13;

		if (!(fp->f_ops->fo_poll(fp, NULL) & (writer ? POLLOUT : POLLIN))) {
			lwkt_yield();
			continue;
		}
		if (len > PIPE_BYTES - n)
			len = PIPE_BYTES - n;
		memset(&ksm, 0, sizeof(ksm));
		ksm.km_proc = r->p;
		if (writer) {
			for (uint32_t i = 0; i < len; i++)
				buf[i] = (uint8_t)((n + i) % 251);
			if (proc_copyout(r->p, va, buf, len) != 0 ||
			    fp->f_ops->fo_write(fp, &ksm, (void *)va, len) != 0)
				break;
		} else if (fp->f_ops->fo_read(fp, &ksm, (void *)va, len) != 0 ||
		    proc_copyin(r->p, va, buf, (uint32_t)SYSMSG_RESULT(&ksm)) != 0) {
			break;
		}
		uint32_t got = (uint32_t)SYSMSG_RESULT(&ksm);
		for (uint32_t i = 0; !writer && i < got; i++)
			if (buf[i] != (uint8_t)((n + i) % 251))
				goto out;		/* a byte lost, doubled or out of order */
		n += got;
		r->moved[cpu] = n;
	}
out:
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

KTEST(smp, pipe_serializes_two_cpus)
{
	static struct pipe_race r;
	uint32_t before = lwkt_stats.threads, pipes = pipes_alive;

	NEED_CPUS(2);
	memset(&r, 0, sizeof(r));
	KT_ASSERT((r.p = proc_alloc("pipe-race")) != NULL);
	KT_ASSERT_EQ(pmap_create(&r.p->p_pmap), 0);
	KT_ASSERT_EQ(pmap_alloc_range(&r.p->p_pmap, PIPE_VA, PAGE_SIZE, PTE_U | PTE_W), 0);
	KT_ASSERT_EQ(pipe_create(&r.rfp, &r.wfp), 0);
	KT_ASSERT(race_two_cpus(pipe_worker, &r, &r.done));
	KT_EXPECT_EQ(r.moved[0], PIPE_BYTES);		/* all written */
	KT_EXPECT_EQ(r.moved[1], PIPE_BYTES);		/* all read, each in its place */
	file_drop(r.rfp);
	file_drop(r.wfp);
	KT_EXPECT_EQ(pipes_alive, pipes);
	pmap_destroy(&r.p->p_pmap);
	kfree(r.p);
	KT_EXPECT(settle(before));
}

/* -- serializer ports across CPUs (sys/serialize.h) ----------------------------------------- */

#define SER_ROUNDS	2400		/* messages each sender sends at least ... */
#define SER_MAX		48000		/* ... and at most, going on until the senders have met */
#define SER_BATCH	8		/* sent before their replies are waited for */

struct ser_msg {
	struct lwkt_msg	m;
	int		sender;		/* which sender (thread) sent it */
	int		seq;		/* its place in that sender's sequence */
	int		handled;	/* times the handler ran on it */
};

struct ser_race {
	struct lwkt_serport sp;		/* first: the handler finds the race from its port */
	volatile int	inside;		/* handlers running now (atomic) */
	volatile int	overlaps;	/* handlers that found another one inside */
	volatile int	out_of_order;	/* messages handled out of their sender's order */
	uint32_t	count;		/* messages handled: a two-step update the port protects */
	int		next[MAXCPU];	/* each sender's next sequence number, as the handler saw */
	uint32_t	ran_on[MAXCPU];	/* handlers run on each CPU */
	volatile int	bad;		/* replies with a wrong error or answer, or handled != 1 */
	uint32_t	sent[MAXCPU];	/* messages each sender sent */
	volatile int	ids;		/* senders' ids, taken in turn */
	int		n;		/* senders */
	volatile int	ready;		/* senders at the start line */
	volatile int	done;
};

/*
 * ser_handler: checks that it runs alone (an atomic count of handlers inside) and that each
 * sender's messages come in sequence, and counts with a read-modify-write stretched over a few
 * pauses: two handlers at once lose counts and see each other inside.
 */
static int
ser_handler(lwkt_port_t port, lwkt_msg_t msg)
{
	struct ser_race *r = (struct ser_race *)port;
	struct ser_msg *sm = (struct ser_msg *)msg;

	if (__atomic_add_fetch(&r->inside, 1, __ATOMIC_ACQ_REL) != 1)
		__atomic_add_fetch(&r->overlaps, 1, __ATOMIC_RELAXED);
	uint32_t v = r->count;
	for (int k = 0; k < 16; k++)
		__asm__ volatile("pause");
	r->count = v + 1;
	if (sm->seq != r->next[sm->sender])
		__atomic_add_fetch(&r->out_of_order, 1, __ATOMIC_RELAXED);
	r->next[sm->sender] = sm->seq + 1;
	sm->handled++;
	r->ran_on[mycpu->gd_cpuid]++;
	msg->ms_result = sm->seq + 1;
	__atomic_sub_fetch(&r->inside, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * ser_sender: messages to the port, in batches of SER_BATCH sent at once (lwkt_sendmsg) and then
 * collected; every fourth batch one at a time with lwkt_domsg. Each reply must carry its answer,
 * its message handled exactly once. The senders start together and each sends SER_ROUNDS, and
 * more (up to SER_MAX) until a put has found the port taken: on a loaded host QEMU may leave a
 * CPU unscheduled for a while, and a sender alone tests nothing.
 */
static void
ser_sender(void *arg)
{
	struct ser_race *r = arg;
	struct ser_msg msgs[SER_BATCH];
	int id = __atomic_fetch_add(&r->ids, 1, __ATOMIC_RELAXED), seq, batch;

	__atomic_add_fetch(&r->ready, 1, __ATOMIC_RELEASE);
	wait_until(&r->ready, r->n);		/* all at once (bounded: 50 ticks) */
	for (seq = 0, batch = 0; seq < SER_MAX && (seq < SER_ROUNDS ||
	    __atomic_load_n(&r->sp.sp_queued, __ATOMIC_RELAXED) == 0); seq += SER_BATCH, batch++) {
		for (int b = 0; b < SER_BATCH; b++) {
			struct ser_msg *sm = &msgs[b];
			lwkt_initmsg(&sm->m, &curthread->td_msgport, 0);
			sm->sender = id;
			sm->seq = seq + b;
			sm->handled = 0;
			if ((batch & 3) == 3) {
				if (lwkt_domsg(&r->sp.sp_port, &sm->m, 0) != 0)
					__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
			} else {
				lwkt_sendmsg(&r->sp.sp_port, &sm->m);
			}
		}
		for (int b = 0; b < SER_BATCH; b++) {
			struct ser_msg *sm = &msgs[b];
			if (lwkt_waitmsg(&sm->m, 0) != 0 || sm->m.ms_result != sm->seq + 1 ||
			    sm->handled != 1)
				__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		}
		if ((batch & 15) == 0)
			lwkt_yield();
	}
	r->sent[id] = seq;
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

/* serializer_race: n senders, one on each of CPUs 0 .. n-1, on one serializer port. */
static void
serializer_race(struct ktest_ctx *ktc, int n)
{
	static struct ser_race r;
	uint32_t before = lwkt_stats.threads;
	uint64_t doubles = lwkt_msgstats.double_replies;
	uint32_t sent = 0;
	int cpus = 0;

	memset(&r, 0, sizeof(r));
	r.n = n;
	lwkt_initport_serialize(&r.sp, ser_handler);
	KT_ASSERT(race_cpus(ser_sender, &r, &r.done, n));
	KT_EXPECT_EQ(r.overlaps, 0);			/* never two handlers at once */
	KT_EXPECT_EQ(r.out_of_order, 0);		/* each sender's order kept */
	KT_EXPECT_EQ(r.bad, 0);				/* each handled once, replied with its answer */
	for (int i = 0; i < n; i++) {
		KT_EXPECT(r.sent[i] >= SER_ROUNDS);
		sent += r.sent[i];
	}
	KT_EXPECT_EQ(r.count, sent);			/* no count lost */
	KT_EXPECT_EQ(r.sp.sp_direct + r.sp.sp_by_holder, sent);
	KT_EXPECT_EQ(r.sp.sp_by_holder, r.sp.sp_queued);
	KT_EXPECT(r.sp.sp_queued > 0);			/* the senders did meet */
	for (int c = 0; c < n; c++)
		cpus += r.ran_on[c] > 0;
	KT_EXPECT(cpus >= 2);				/* the handler ran on several CPUs */
	KT_EXPECT_EQ(r.sp.sp_busy, 0);
	KT_EXPECT(TAILQ_EMPTY(&r.sp.sp_port.mp_msgq));
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles);
	KT_EXPECT(settle(before));
}

KTEST(smp, serializer_port_serializes_two_cpus)
{
	NEED_CPUS(2);
	serializer_race(ktc, 2);
}

KTEST(smp, serializer_port_serializes_every_cpu)
{
	NEED_CPUS(2);
	serializer_race(ktc, ncpus);
}

/* -- threads and ports across CPUs --------------------------------------------------------- */

struct where {
	volatile int	cpu;
	volatile int	ran;
};

static void
report_cpu(void *arg)
{
	struct where *w = arg;

	w->cpu = mycpu->gd_cpuid;
	__atomic_store_n(&w->ran, 1, __ATOMIC_RELEASE);
}

KTEST(smp, thread_created_for_a_cpu_runs_there)
{
	uint32_t before = lwkt_stats.threads;

	NEED_CPUS(2);
	for (int c = 0; c < ncpus; c++) {
		struct where w = { -1, 0 };
		thread_t td;
		KT_ASSERT_EQ(lwkt_create_cpu(report_cpu, &w, &td, TDPRI_KERN, TDF_NOSTART, "where", c), 0);
		KT_EXPECT(td->td_gd == globaldata_find(c));
		lwkt_schedule(td);		/* from CPU 0: an IPI message for the others */
		for (int i = 0; i < 100 && !w.ran; i++)
			lwkt_sleep(1);
		KT_EXPECT(w.ran);
		KT_EXPECT_EQ(w.cpu, c);
	}
	KT_EXPECT_EQ(lwkt_create_cpu(report_cpu, NULL, NULL, TDPRI_KERN, 0, "x", ncpus), EINVAL);
	KT_EXPECT(settle(before));
}

/* echo_cpu: reply to n messages on its own port, each answered with the CPU it ran on. */
static void
echo_cpu(void *arg)
{
	uint32_t n = (uint32_t)arg;
	thread_t td = curthread;

	for (uint32_t i = 0; i < n; i++) {
		lwkt_msg_t msg = lwkt_waitport(&td->td_msgport, 0);
		msg->ms_result = (int64_t)mycpu->gd_cpuid * 1000000 + msg->ms_cmd + 1;
		lwkt_replymsg(msg, 0);
	}
}

KTEST(smp, port_pingpong_across_cpus)
{
	struct lwkt_msg msg;
	thread_t td;
	uint32_t before = lwkt_stats.threads;
	int rounds = 2000, good = 0;

	NEED_CPUS(2);
	KT_ASSERT_EQ(lwkt_create_cpu(echo_cpu, (void *)rounds, &td, TDPRI_KERN, 0, "echo1", 1), 0);
	for (int i = 0; i < rounds; i++) {
		lwkt_initmsg(&msg, &curthread->td_msgport, 0);
		msg.ms_cmd = i;
		if (lwkt_domsg(&td->td_msgport, &msg, 0) == 0 && msg.ms_result == 1000000 + i + 1)
			good++;
	}
	KT_EXPECT_EQ(good, rounds);		/* every answer, from CPU 1, to the right message */
	KT_EXPECT(mycpu->gd_cpuid == 0);
	KT_EXPECT(settle(before));
}

/* -- the timer service from another CPU ------------------------------------------------------ */

struct sleeper {
	volatile int	done;
	int		cpu_after;
	uint64_t	cpu0_ticks_slept;
	int		error;
};

static void
sleep_on_cpu1(void *arg)
{
	struct sleeper *s = arg;
	uint64_t t0 = globaldata_find(0)->gd_ticks;

	s->error = lwkt_sleep(3);		/* a put to CPU 0's timer port, by IPI message */
	s->cpu0_ticks_slept = globaldata_find(0)->gd_ticks - t0;
	s->cpu_after = mycpu->gd_cpuid;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

KTEST(smp, a_thread_of_another_cpu_sleeps_on_cpu0s_timer)
{
	struct sleeper s = { 0, -1, 0, -1 };
	uint32_t before = lwkt_stats.threads;

	NEED_CPUS(2);
	KT_ASSERT_EQ(lwkt_create_cpu(sleep_on_cpu1, &s, NULL, TDPRI_KERN, 0, "sleeper", 1), 0);
	for (int i = 0; i < 100 && !s.done; i++)
		lwkt_sleep(1);
	KT_ASSERT(s.done);
	KT_EXPECT_EQ(s.error, 0);
	KT_EXPECT_EQ(s.cpu_after, 1);
	KT_EXPECT(s.cpu0_ticks_slept >= 3);
	KT_EXPECT(settle(before));
}

/* -- a thread moves to another CPU ------------------------------------------------------------ */

struct travel {
	volatile int	done;
	int		where[MAXCPU + 1];	/* the CPU it found itself on after each move */
	int		listed;			/* each time on its new CPU's list of threads */
	int		local_ok;		/* a variable on its stack travelled with it */
};

static void
traveller(void *arg)
{
	struct travel *t = arg;
	volatile int local = 12345;

	for (int c = 1; c <= ncpus; c++) {
		int to = c % ncpus;		/* 1, 2, ..., then back to 0 */
		thread_t me = curthread, td;
		bool found = false;
		lwkt_setcpu_self(to);
		t->where[c] = mycpu->gd_cpuid;
		crit_enter();
		TAILQ_FOREACH(td, &mycpu->gd_tdallq, td_allq)
			found |= td == me;
		crit_exit();
		t->listed += found && me->td_gd == mycpu;
	}
	t->local_ok = local == 12345;
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
}

KTEST(smp, a_thread_moves_to_every_cpu_by_message)
{
	static struct travel t;
	uint32_t before = lwkt_stats.threads;

	NEED_CPUS(2);
	memset(&t, 0, sizeof(t));
	KT_ASSERT_EQ(lwkt_create_cpu(traveller, &t, NULL, TDPRI_KERN, 0, "traveller", 0), 0);
	for (int i = 0; i < 200 && !t.done; i++)
		lwkt_sleep(1);
	KT_ASSERT(t.done);
	for (int c = 1; c <= ncpus; c++)
		KT_EXPECT_EQ(t.where[c], c % ncpus);
	KT_EXPECT_EQ(t.listed, ncpus);
	KT_EXPECT(t.local_ok);
	KT_EXPECT_EQ(lwkt_setcpu_self(ncpus), EINVAL);
	KT_EXPECT_EQ(lwkt_setcpu_self(0), EBUSY);	/* the test runs on thread0, a static thread */
	KT_EXPECT(settle(before));
}

/* -- TLB shootdown of user mappings --------------------------------------------------------- */

struct shoot {
	struct pmap	*pm;
	uint32_t	va;
	volatile int	step;		/* 1: CPU 1 read it; 2: CPU 0 unmapped it; 3: CPU 1 read again */
	int		first_err, second_err;
	uint32_t	first_val;
};

/* shoot_reader: on CPU 1, run the test's address space, read the page, wait, read again. */
static void
shoot_reader(void *arg)
{
	struct shoot *s = arg;
	uint32_t v = 0;
	uint64_t until;

	pmap_activate(s->pm);
	s->first_err = copyin((const void *)s->va, &v, sizeof(v));	/* its TLB holds va now */
	s->first_val = v;
	__atomic_store_n(&s->step, 1, __ATOMIC_RELEASE);
	until = rdtsc() + 2000000000ull;
	while (__atomic_load_n(&s->step, __ATOMIC_ACQUIRE) < 2 && rdtsc() < until)
		__asm__ volatile("pause");
	s->second_err = copyin((const void *)s->va, &v, sizeof(v));
	pmap_activate_kernel();
	__atomic_store_n(&s->step, 3, __ATOMIC_RELEASE);
}

KTEST(smp, a_page_unmapped_on_one_cpu_faults_on_the_other)
{
	static struct pmap pm;
	static struct shoot s;
	uint32_t x = 0x5eed, before = lwkt_stats.threads;

	NEED_CPUS(2);
	memset(&s, 0, sizeof(s));
	s.pm = &pm;
	s.va = USER_BASE + 0x10000;
	KT_ASSERT_EQ(pmap_create(&pm), 0);
	KT_ASSERT_EQ(pmap_alloc_range(&pm, s.va, PAGE_SIZE, PTE_U | PTE_W), 0);
	KT_ASSERT_EQ(pmap_copy(&pm, s.va, &x, sizeof(x), true, PTE_P | PTE_U | PTE_W), 0);
	KT_ASSERT_EQ(lwkt_create_cpu(shoot_reader, &s, NULL, TDPRI_KERN, 0, "shoot", 1), 0);
	for (int i = 0; i < 200 && s.step < 1; i++)
		lwkt_sleep(1);
	KT_ASSERT_EQ(s.step, 1);
	KT_EXPECT_EQ(s.first_err, 0);
	KT_EXPECT_EQ(s.first_val, 0x5eed);
	pmap_remove_range(&pm, s.va, s.va + PAGE_SIZE);	/* CPU 1 runs pm: a shootdown */
	__atomic_store_n(&s.step, 2, __ATOMIC_RELEASE);
	for (int i = 0; i < 200 && s.step < 3; i++)
		lwkt_sleep(1);
	KT_ASSERT_EQ(s.step, 3);
	KT_EXPECT_EQ(s.second_err, EFAULT);	/* not a stale translation to a freed page */
	pmap_destroy(&pm);
	KT_EXPECT(settle(before));
}
