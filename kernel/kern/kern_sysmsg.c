/*
 * Taking system-call messages from user memory and answering them (sys/ksysmsg.h).
 *
 * The trap (`int $0x80`, %eax = the message's user address) enters syscall_entry, which calls
 * syscall_trap(); submit and the ring take their messages the same way, through take(). Every
 * message is taken into a struct ksysmsg on the kernel stack: the header words the kernel needs
 * (ms_flags, ms_cmd) and the arguments are read from user memory exactly once, so a handler never
 * sees them change under it. The kernel then writes EASYNC into ms_error (the message is the
 * kernel's now; this also proves the header writable before anything runs) and calls the
 * handler on the kernel copy.
 *
 * A call answered at once gets its answer — ms_error and ms_result, the only words of a message
 * the kernel ever writes — before the trap returns. A call that must wait is filed at its object
 * by its handler, which first moves it off the stack with sysmsg_hold() unless the caller waits
 * in the kernel (a synchronous call). An asynchronous call's message keeps ms_error == EASYNC
 * until the process collects its completion (kern_sysmsg_collect.c): its answer is written then,
 * in the process's own address space, or posted with it to the ring.
 *
 * The kernel never writes ms_flags: the flags are the sender's (libcr's) alone.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ring.h>
#include <sys/sysent.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/trace.h>
#include <sys/uaccess.h>
#include <string.h>

struct sysmsg_stats sysmsg_stats;

#define ANSWER(uaddr)	((struct lwkt_msg *)(uaddr))

/*
 * answer_store: write error and result into the user message at uaddr, in the current address
 * space; 0, or EFAULT when the header is no longer writable (the answer is lost: the process
 * unmapped its own message).
 */
static inline __attribute__((always_inline)) int
answer_store(uint32_t uaddr, int error, int64_t result)
{
	struct lwkt_msg *u = ANSWER(uaddr);

	if (error)
		result = 0;
	if (store_user32(&u->ms_error, (uint32_t)error) ||
	    store_user32((uint32_t *)&u->ms_result, (uint32_t)result) ||
	    store_user32((uint32_t *)&u->ms_result + 1, (uint32_t)(result >> 32)))
		return EFAULT;
	return 0;
}

/*
 * sysmsg_answer: write a completed call's answer into its process's message, from any context:
 * through the MMU when the process's address space is the current one, through its page tables
 * otherwise (a ring completion posted by another process's thread).
 */
void
sysmsg_answer(struct ksysmsg *ksm, int error)
{
	struct proc *p = ksm->km_proc;
	int64_t result = error ? 0 : ksm->km_args.hdr.ms_result;

	TRACE_SYSMSG_ANSWER(&ksm->km_msg, error, result, 0);
	if (pmap_is_current(&p->p_pmap)) {
		answer_store(ksm->km_uaddr, error, result);
	} else {
		struct { int32_t error; int64_t result; } __attribute__((packed)) a = { error, result };
		proc_copyout(p, ksm->km_uaddr + __builtin_offsetof(struct lwkt_msg, ms_error), &a,
		    sizeof(a));
	}
}

/* -- waiting in the kernel (synchronous calls) --------------------------------------------------- */

/*
 * proc_sleep: a vCPU of the process waits for a completion or a kill. Inside a critical section;
 * returns EINTR when the process was killed meanwhile.
 */
int
proc_sleep(struct proc *p, const char *wmesg, const void *wchan)
{
	thread_t td = curthread;

	if (p->p_killed || (td->td_ast & TDA_SIGINTR))
		return EINTR;
	td_flags_set(td, TDF_PSLEEP);
	lwkt_block(wmesg, wchan);
	td_flags_clear(td, TDF_PSLEEP);
	return p->p_killed || (td->td_ast & TDA_SIGINTR) ? EINTR : 0;
}

/*
 * wait_sync: the synchronous call in ksm (on this stack) answered EASYNC: wait for its completion.
 * When its object answers ERESTART ("ready: go on yourself") the caller runs the call's resume
 * hook, km_resume, which the object set when it filed the call: the hook moves the data in the
 * caller's own address space and answers, or files the call again (EASYNC: wait again). It runs
 * exactly once per ERESTART, also when the caller was signalled or killed meanwhile (a completed
 * call is not aborted): the object's reference taken for it is dropped there. The hook runs
 * inside the wait's critical section, as a handler's filing does (one section for the whole
 * wait). Returns the call's error.
 */
static int
wait_sync(struct proc *p, struct ksysmsg *ksm, const struct sysent *se)
{
	thread_t td = curthread;
	int error;

	/* Elischer's model: the call keeps this context, the vCPU goes on (kern_kse.c). A call
	 * filed again by its resume hook stays with the context it has (kse_block: no second). */
	if (__builtin_expect(p->p_model != SCHED_DILLON, 0) &&
	    (ksm->km_msg.ms_flags & MSGF_DONE) == 0)
		kse_block(p, ksm);
	crit_enter();
	do {
		td_flags_set(td, TDF_SYNCWAIT);		/* a signal may cut it short (kern_sig.c) */
		/* One posted while this vCPU ran on its way here found no wait to cut short: the
		 * wait is cut short now (POSIX: a signal pending when a call would block ends it).
		 * Not a KSE call's own context: it is no vCPU, libcr routes signals to its thread. */
		if (__builtin_expect(p->p_sigpending != 0, 0) && !(td->td_flags & TDF_KSECALL) &&
		    sig_deliverable(p, td))
			td_ast_set(td, TDA_SIGINTR);
		while ((ksm->km_msg.ms_flags & MSGF_DONE) == 0) {
			if (proc_sleep(p, se->sy_name, ksm) == EINTR &&
			    (ksm->km_msg.ms_flags & MSGF_DONE) == 0) {
				if (!p->p_killed)	/* a signal: EINTR, or a restart */
					td->td_sysrestart = ksm->km_uaddr;
				lwkt_abortmsg(&ksm->km_msg);	/* killed: end the call now */
			}
		}
		td_flags_clear(td, TDF_SYNCWAIT);
		error = ksm->km_msg.ms_error;
		if (error == ERESTART)
			error = ksm->km_resume(ksm);	/* in the section: it files again in it */
	} while (error == EASYNC);
	crit_exit();
	return error;
}

/* -- holding a call that answers EASYNC ---------------------------------------------------------- */

/*
 * sysmsg_hold_async: sysmsg_hold (sys/ksysmsg.h) for an asynchronous call, which moves to a
 * ksysmsg of its own, since the trap returns at once. Answers 0 with *ksmp the message to file,
 * EAGAIN when the process has SYSMSG_PROC_MAX calls uncollected, or ENOMEM.
 */
int
sysmsg_hold_async(struct ksysmsg **ksmp)
{
	struct ksysmsg *ksm = *ksmp, *held;
	uint32_t n = (sysent[ksm->km_args.hdr.ms_cmd].sy_msgsize - sizeof(struct lwkt_msg)) / 4;
	const uint32_t *from = (const uint32_t *)(&ksm->km_args.hdr + 1);
	uint32_t *to;

	if ((held = ksysmsg_alloc(ksm->km_proc)) == NULL)
		return ksm->km_proc->p_noutstanding + ksm->km_proc->p_ndone >= SYSMSG_PROC_MAX ?
		    EAGAIN : ENOMEM;
	held->km_proc = ksm->km_proc;
	held->km_uaddr = ksm->km_uaddr;
	held->km_flags = ksm->km_flags;
	/* What take_in set of the copy: the header's command and result, and the arguments (whole
	 * words: the spec); the rest of km_args.hdr is never set (the call's own message is km_msg). */
	held->km_args.hdr.ms_cmd = ksm->km_args.hdr.ms_cmd;
	held->km_args.hdr.ms_result = ksm->km_args.hdr.ms_result;
	to = (uint32_t *)(&held->km_args.hdr + 1);
	for (uint32_t i = 0; i < n; i++)
		to[i] = from[i];
	TRACE_SYSMSG_HELD(ksm, held);
	*ksmp = held;
	return 0;
}

/* -- taking a message ---------------------------------------------------------------------------- */

#define TAKE_TRAP	0	/* one message, one trap */
#define TAKE_BATCH	KMF_BATCH	/* an entry of a submit */
#define TAKE_RING	KMF_RING	/* an entry of the ring: always asynchronous */

/*
 * fetch_header: read the message's flags and command (each once) and write EASYNC into its
 * ms_error: from here it is the kernel's, and its header is known to be writable before anything
 * runs. 0, or EFAULT when there is no message to answer in.
 */
static inline __attribute__((always_inline)) int
fetch_header(uint32_t uaddr, uint32_t *flags, uint32_t *cmd)
{
	struct lwkt_msg *u = ANSWER(uaddr);

	if (__builtin_expect(!user_range(uaddr, sizeof(*u)), 0) ||
	    fetch_user32(&u->ms_flags, flags) || fetch_user32(&u->ms_cmd, cmd) ||
	    store_user32(&u->ms_error, EASYNC))
		return EFAULT;
	sysmsg_stats.calls++;
	return 0;
}

/*
 * fetch_args: the arguments after the header into args (one read of each word); 0 or EFAULT.
 * The spec lays every message out in whole words.
 */
static inline __attribute__((always_inline)) int
fetch_args(uint32_t uaddr, const struct sysent *se, union sysmsg_args *args)
{
	uint32_t n = (se->sy_msgsize - sizeof(struct lwkt_msg)) / 4;	/* whole words: the spec */
	const uint32_t *from = (const uint32_t *)(uaddr + sizeof(struct lwkt_msg));
	uint32_t *to = (uint32_t *)(&args->hdr + 1);

	if (n == 0)
		return 0;
	if (!user_range(uaddr, se->sy_msgsize))
		return EFAULT;
	for (uint32_t i = 0; i < n; i++)
		if (fetch_user32(&from[i], &to[i]))
			return EFAULT;
	return 0;
}

/* answer_error: a call that did not answer 0 (see run_now for what it returns). */
static __attribute__((noinline)) int
answer_error(uint32_t uaddr, int error)
{
	if (error == EJUSTRETURN)
		return 0;		/* exec: the message belonged to the old program */
	KASSERT(error != EASYNC, "a call the spec says never blocks answered EASYNC");
	return answer_store(uaddr, error, 0) ? -EFAULT : error;
}

/*
 * run_now: a call that never waits (the spec's blocking = false), whose header is taken: it
 * runs from a copy of its arguments on this stack and is answered at once — no kernel message,
 * no second copy. Returns its error, or -EFAULT when there is no message to answer in.
 */
static inline __attribute__((always_inline)) int
run_now(uint32_t uaddr, const struct sysent *se, uint32_t kmflags)
{
	union sysmsg_args args;
	int error;

	if (__builtin_expect(fetch_args(uaddr, se, &args) != 0, 0))
		return answer_error(uaddr, EFAULT);
	TRACE_SYSMSG(&args, uaddr, se - sysent, kmflags, &args);
	args.hdr.ms_result = 0;
	error = se->sy_call(&args);
	TRACE_SYSMSG_ANSWER(&args, error, error ? 0 : args.hdr.ms_result, 0);
	if (__builtin_expect(error != 0, 0))
		return answer_error(uaddr, error);
	if (answer_store(uaddr, 0, args.hdr.ms_result) != 0)
		return -EFAULT;		/* the call unmapped its own message: only %eax can say */
	return 0;
}

/*
 * take, take_in: the general way to take a message whose header is fetched: checked, its arguments
 * copied into ksm (on this stack), run, and answered — or, for a call that waits, waited for
 * (synchronous) or left to complete later (EASYNC). Returns the error of a call answered now,
 * EASYNC, or -EFAULT when there is no message to answer in. take_in is the body: take() is it
 * out of line (syscall_trap, batches), syscall_take has it written in (the trap's way for calls
 * that may wait).
 */
static inline __attribute__((always_inline)) int
take_in(struct proc *p, uint32_t uaddr, uint32_t how, uint32_t flags, uint32_t cmd)
{
	struct ksysmsg ksm;
	const struct sysent *se;
	int error;

	if (flags & ~MSGF_USER_SUBMIT) {
		error = EINVAL;
		goto answer;
	}
	if (cmd >= SYS_MAXSYSCALL || (se = &sysent[cmd])->sy_call == NULL) {
		error = ENOSYS;
		goto answer;
	}
	/* A batch or ring entry may not end its caller, replace its program or nest a batch. */
	if (how != TAKE_TRAP && (se->sy_flags & SYF_NOBATCH)) {
		error = EINVAL;
		goto answer;
	}
	if ((se->sy_flags & SYF_BLOCKING) == 0)
		return run_now(uaddr, se, how | (flags & MSGF_ASYNC ? 0 : KMF_SYNC));
	if (fetch_args(uaddr, se, &ksm.km_args) != 0) {
		error = EFAULT;
		goto answer;
	}
	ksm.km_args.hdr.ms_result = 0;
	ksm.km_proc = p;
	ksm.km_uaddr = uaddr;
	ksm.km_flags = how | ((flags & MSGF_ASYNC) || how == TAKE_RING ? 0 : KMF_SYNC);
	ksm.km_args.hdr.ms_cmd = cmd;
	TRACE_SYSMSG(&ksm.km_msg, uaddr, cmd, ksm.km_flags, &ksm.km_args);
	error = se->sy_call(&ksm.km_args);
	if (error == EASYNC) {
		if ((ksm.km_flags & KMF_SYNC) == 0)
			return EASYNC;	/* held and filed: ms_error reads EASYNC until collected */
		error = wait_sync(p, &ksm, se);
	}
	TRACE_SYSMSG_ANSWER(&ksm.km_msg, error, error ? 0 : ksm.km_args.hdr.ms_result, 0);
	if (answer_store(uaddr, error, ksm.km_args.hdr.ms_result) != 0)
		return -EFAULT;		/* the call unmapped its own message: only %eax can say */
	return error;
answer:
	return answer_store(uaddr, error, 0) ? -EFAULT : error;
}

static __attribute__((noinline)) int
take(struct proc *p, uint32_t uaddr, uint32_t how, uint32_t flags, uint32_t cmd)
{
	return take_in(p, uaddr, how, flags, cmd);
}

/*
 * syscall_trap: the general path of the vector-128 trap (syscall_entry in arch/i386/syscall.S
 * takes the common case itself and comes here for the rest, the message's address in %eax);
 * returns the put's answer for %eax: the call's error, EASYNC, or EFAULT when there is no
 * message to answer in.
 */
__attribute__((regparm(1))) int
syscall_trap(uint32_t uaddr)
{
	uint32_t flags, cmd;
	int error;

	TRACE_SYSCALL_ENTER(uaddr);
	if (fetch_header(uaddr, &flags, &cmd) != 0)
		error = -EFAULT;
	else if (cmd < SYS_MAXSYSCALL && (flags & ~MSGF_USER_SUBMIT) == 0 &&
	    (sysent[cmd].sy_flags & SYF_FAST))
		error = run_now(uaddr, &sysent[cmd], flags & MSGF_ASYNC ? 0 : KMF_SYNC);
	else
		error = take(curproc, uaddr, TAKE_TRAP, flags, cmd);
	if (error < 0)
		error = -error;
	TRACE_SYSCALL_EXIT(error);
	return error;
}

/*
 * syscall_take: syscall_entry's way to the general path for a call that may wait (its sy_fast
 * is 0), whose header syscall_entry read: cmd below sysent_count, read once there; flags read
 * once there for this, unchecked; EASYNC stored and the call counted, as fetch_header does.
 * Returns the answer for %eax, as syscall_trap does.
 */
__attribute__((regparm(3))) int
syscall_take(uint32_t uaddr, uint32_t flags, uint32_t cmd)
{
	int error = take_in(curproc, uaddr, TAKE_TRAP, flags, cmd);

	return error < 0 ? -error : error;
}

/* syscall_answer_error: syscall_entry's fast path ran a call that answered an error. */
int
syscall_answer_error(uint32_t uaddr, int error)
{
	error = answer_error(uaddr, error);
	return error < 0 ? -error : error;
}

/* What arch/i386/syscall.S knows of these structures. */
_Static_assert(__builtin_offsetof(struct lwkt_msg, ms_flags) == 20, "syscall.S: MS_FLAGS");
_Static_assert(__builtin_offsetof(struct lwkt_msg, ms_cmd) == 24, "syscall.S: MS_CMD");
_Static_assert(__builtin_offsetof(struct lwkt_msg, ms_error) == 28, "syscall.S: MS_ERROR");
_Static_assert(__builtin_offsetof(struct lwkt_msg, ms_result) == 32, "syscall.S: MS_RESULT");
_Static_assert(sizeof(struct lwkt_msg) == 48, "syscall.S: MS_SIZE");
_Static_assert(sizeof(struct sysent) == 1 << 4, "syscall.S: SY_SHIFT");
_Static_assert(__builtin_offsetof(struct sysent, sy_call) == 8, "syscall.S: SY_CALL");
_Static_assert(__builtin_offsetof(struct sysent, sy_fast) == 14, "syscall.S: SY_FAST");
_Static_assert(sizeof(union sysmsg_args) <= 128, "syscall.S: ARGS_SIZE");
_Static_assert(USER_BASE == 0x40000000 && USER_SPAN == 0x80000000, "syscall.S: USER_BASE, USER_SPAN");
_Static_assert((uint32_t)~MSGF_USER_SUBMIT == 0xffffffd4, "syscall.S: NOT_SUBMIT");
_Static_assert(EASYNC == 512 && EFAULT == 14, "syscall.S: EASYNC, EFAULT");
_Static_assert(__builtin_offsetof(struct sysmsg_stats, calls) == 0, "syscall.S: sysmsg_stats.calls");

/* -- batches and the ring ------------------------------------------------------------------------ */

/*
 * batch_begin, batch_end: submit and ring_enter take their entries between these. A batch is
 * never an entry of a batch (SYF_NOBATCH); as a second line, this refuses one anyway, so no
 * call can ever recurse on the kernel stack through batches.
 */
int
batch_begin(void)
{
	thread_t td = curthread;

	if (td->td_sysdepth != 0)
		return EINVAL;
	td->td_sysdepth = 1;
	return 0;
}

void
batch_end(void)
{
	curthread->td_sysdepth = 0;
}

/* The sy_flags and sy_fast of a call a batch runs inline: it never waits, may be batched, and
 * has no arguments after its header. */
#define SY_INLINE	(SYF_FAST | 1u << 16)

/*
 * run_inline (arch/i386/syscall.S): take entries of a batch for as long as they are calls a
 * batch runs inline (SY_INLINE), each answered in place; the loop the figures of batches and
 * the ring come from. Stops before the first entry that is anything else, or whose header
 * cannot be read (the general path takes that one), and after an entry whose answer could not
 * be written (*lost) or during which the process was killed. Returns how many it took.
 */
uint32_t run_inline(const uint32_t *addrs, uint32_t n, bool *lost);

/* run_inline_error: run_inline's handler answered error: its answer_error. */
int
run_inline_error(uint32_t uaddr, int error)
{
	return answer_error(uaddr, error);
}

_Static_assert(__builtin_offsetof(struct sysent, sy_flags) == 12 &&
    __builtin_offsetof(struct sysent, sy_fast) == 14, "syscall.S: SY_FLAGS");
_Static_assert(SY_INLINE == 0x10004 && TDA_KILLED == 1, "syscall.S: SY_INLINE, TDA_KILLED");
_Static_assert(__builtin_offsetof(struct thread, td_ast) == 4, "syscall.S: TD_AST");

/*
 * sysmsg_take_entries: the n messages whose addresses are in addrs (a chunk of a submit's
 * vector, or a run of the ring's submission queue), one after another, as entries of a batch
 * (how: TAKE_BATCH or TAKE_RING): runs of inline calls by run_inline, any other entry through
 * take(). For a ring, each answer given at once is posted (post). Returns how many were taken:
 * it stops at a message with no header to answer in (or whose answer could not be written), and
 * after the entry during which the process was killed. *held counts the entries the kernel
 * holds (answered EASYNC, completing later).
 */
static inline __attribute__((always_inline)) uint32_t
sysmsg_take_entries(struct proc *p, const uint32_t *addrs, uint32_t n, uint32_t how,
    void (*post)(struct proc *, const uint32_t *, uint32_t, int), uint32_t *held)
{
	uint32_t i = 0, run, flags, cmd;
	bool lost = false;
	int error;

	while (i < n) {
		run = run_inline(addrs + i, n - i, &lost);
		sysmsg_stats.calls += run;
		if (how == TAKE_RING && run != 0)
			post(p, addrs + i, run - lost, 0);	/* answered at once, without error */
		i += run;
		if (lost || p->p_killed || i == n)
			break;
		/* The next one is anything else: the general way. */
		if (fetch_header(addrs[i], &flags, &cmd) != 0 ||
		    (error = take(p, addrs[i], how, flags, cmd)) < 0)
			break;		/* no header to answer in: the batch ends here */
		if (error == EASYNC)
			(*held)++;
		else if (how == TAKE_RING)
			post(p, addrs + i, 1, error);
		i++;
		if (p->p_killed)
			break;
	}
	return i;
}

#define SUBMIT_CHUNK	64	/* vector entries read from user memory at a time */

/*
 * sys_submit: a batch of message addresses in one trap; answers how many were taken (the low
 * word of ms_result) and how many of those the kernel holds, to complete later (the high word:
 * libcr looks for held messages only when there are any). The vector is read in chunks, each
 * entry once (EFAULT if its first chunk cannot be read); a message with no header to answer in
 * ends the batch.
 */
int
sys_submit(struct submit_msg *msg)
{
	struct proc *p = curproc;
	uint32_t n = msg->len / sizeof(uint32_t), i = 0, taken, held = 0;
	uint32_t vec[SUBMIT_CHUNK];

	if (batch_begin() != 0)
		return EINVAL;
	while (i < n) {
		uint32_t chunk = n - i < SUBMIT_CHUNK ? n - i : SUBMIT_CHUNK;
		if (copyin((const uint32_t *)msg->vec + i, vec, chunk * sizeof(uint32_t)) != 0) {
			if (i == 0) {
				batch_end();
				return EFAULT;	/* no vector at all */
			}
			break;			/* an entry unmapped the rest: report how far it got */
		}
		i += taken = sysmsg_take_entries(p, vec, chunk, TAKE_BATCH, NULL, &held);
		if (taken < chunk)
			break;
	}
	batch_end();
	msg->hdr.ms_result = (int64_t)((uint64_t)held << 32 | i);
	return 0;
}

/*
 * sysmsg_take_anycpu: a polled ring's thread, on its own CPU (kern_ring.c), takes the entries
 * whose calls the spec says anycpu (they touch no process state): each header read once and
 * checked, the call run from this stack and answered, as run_now does, and counted. It stops
 * before the first entry that is anything else — another call, a bad flag or number, a header it
 * cannot read — which the ordinary ring path takes on the process's home CPU, and after an entry
 * whose answer could not be written (*lost: taken, not to be posted) or during which the process
 * was killed. Returns how many it took.
 */
uint32_t
sysmsg_take_anycpu(struct proc *p, const uint32_t *addrs, uint32_t n, bool *lost)
{
	uint32_t i, flags, cmd;

	*lost = false;
	for (i = 0; i < n && !p->p_killed; i++) {
		struct lwkt_msg *u = ANSWER(addrs[i]);

		if (!user_range(addrs[i], sizeof(*u)) || fetch_user32(&u->ms_flags, &flags) ||
		    fetch_user32(&u->ms_cmd, &cmd) || (flags & ~MSGF_USER_SUBMIT) ||
		    cmd >= SYS_MAXSYSCALL || !sysent_anycpu[cmd])
			break;				/* for the home CPU */
		if (store_user32(&u->ms_error, EASYNC))
			break;				/* read-only: the home CPU skips it */
		sysmsg_stats.calls++;
		if (run_now(addrs[i], &sysent[cmd], KMF_RING) < 0) {
			*lost = true;			/* nowhere to answer: taken, not posted */
			return i + 1;
		}
	}
	return i;
}

/* sysmsg_take_ring: the ring's entries (kern_ring.c), each answer given at once posted. */
uint32_t
sysmsg_take_ring(struct proc *p, const uint32_t *addrs, uint32_t n,
    void (*post)(struct proc *, const uint32_t *, uint32_t, int))
{
	uint32_t held = 0;

	return sysmsg_take_entries(p, addrs, n, TAKE_RING, post, &held);
}
