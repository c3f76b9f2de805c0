/*
 * poll: wait until one of a set of descriptors is ready, or a timeout passes; select is libcr's,
 * over this. Message-shaped, like every call that waits: a poll that finds nothing ready files
 * one struct pollwait per descriptor at the object behind it (sys/poll.h) and a timer message for
 * its timeout, and answers EASYNC. Whichever comes first completes it: an object's change that
 * makes something it waits for true (pollwakeup), the timer (0 ready), or an abort (abortmsg,
 * kill, exit: EINTR). No thread waits per poll: a synchronous caller sleeps on its own message,
 * an asynchronous one (a threaded libcr program, the ring) parks nothing in the kernel.
 *
 * What is ready is asked of each file (fo_poll) whenever the poll looks, from the descriptor
 * table of the time: a descriptor closed meanwhile reads POLLNVAL. The revents are written into
 * the caller's array when the poll completes — from another process's context, through
 * proc_copyout, when the change came from there.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/poll.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread2.h>
#include <sys/timer.h>
#include <sys/uaccess.h>

#define NS_PER_TICK	(1000000000ull / HZ)
#define ALWAYS		(POLLERR | POLLHUP | POLLNVAL)	/* reported whatever events asks */

struct pollent {
	int		fd;
	short		events;
	struct pollwait	pw;
};

/* A poll that waits: what it waits for, and where it is filed. */
struct pollreq {
	struct ksysmsg	*pr_ksm;		/* the call */
	struct proc	*pr_proc;
	uint32_t	pr_ufds;		/* the caller's struct pollfd array */
	uint32_t	pr_gen;			/* the last pollwakeup that looked at it */
	bool		pr_done;		/* completing: the timer's reply must not complete it again */
	bool		pr_timed;		/* pr_timer was sent */
	struct timer_msg pr_timer;
	uint32_t	pr_nfds;
	struct pollent	pr_ent[];
};

struct poll_stats poll_stats;
static struct lwkt_port poll_timer_port;
static uint32_t poll_gen;

/* poll_one: the revents of fd for events, as p's descriptor table has it now; files pw if given. */
static short
poll_one(struct proc *p, int fd, short events, struct pollwait *pw)
{
	struct file *fp;

	if (fd < 0)
		return 0;
	if ((fp = fd_get(p, fd)) == NULL)
		return POLLNVAL;
	return fp->f_ops->fo_poll(fp, pw) & (events | ALWAYS);
}

/* poll_count: how many of req's descriptors are ready now. */
static uint32_t
poll_count(struct pollreq *req)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < req->pr_nfds; i++)
		n += poll_one(req->pr_proc, req->pr_ent[i].fd, req->pr_ent[i].events, NULL) != 0;
	return n;
}

/* put_revents: write each entry's revents (only that field) into p's array at ufds. */
static int
put_revents(struct proc *p, uint32_t ufds, const short *revents, uint32_t nfds)
{
	for (uint32_t i = 0; i < nfds; i++)
		if (proc_copyout(p, ufds + i * sizeof(struct pollfd) +
		    __builtin_offsetof(struct pollfd, revents), &revents[i], sizeof(short)) != 0)
			return EFAULT;
	return 0;
}

/*
 * poll_finish: the poll completes with error: it leaves every queue and the timer, and, unless
 * aborted, writes what is ready now into the caller's array. Inside a critical section.
 */
static void
poll_finish(struct pollreq *req, int error)
{
	struct ksysmsg *ksm = req->pr_ksm;
	short revents[OPEN_MAX];
	uint32_t n = 0;

	req->pr_done = true;
	for (uint32_t i = 0; i < req->pr_nfds; i++) {
		struct pollwait *pw = &req->pr_ent[i].pw;
		if (pw->pw_q != NULL) {
			TAILQ_REMOVE(pw->pw_q, pw, pw_link);
			pw->pw_q = NULL;
		}
	}
	if (req->pr_timed && (req->pr_timer.tm_msg.ms_flags & MSGF_DONE) == 0)
		lwkt_abortmsg(&req->pr_timer.tm_msg);	/* replied at once; pr_done keeps it quiet */
	if (error == 0) {
		for (uint32_t i = 0; i < req->pr_nfds; i++) {
			revents[i] = poll_one(req->pr_proc, req->pr_ent[i].fd, req->pr_ent[i].events,
			    NULL);
			n += revents[i] != 0;
		}
		error = put_revents(req->pr_proc, req->pr_ufds, revents, req->pr_nfds);
	}
	poll_stats.waiting--;
	kfree(req);
	sysmsg_complete(ksm, error, error ? 0 : n);
}

/* pollwait_file: fo_poll was given pw: file it at the object's queue q. */
void
pollwait_file(struct pollq *q, struct pollwait *pw)
{
	if (pw == NULL)
		return;
	KASSERT(pw->pw_q == NULL, "a pollwait filed twice");
	TAILQ_INSERT_TAIL(q, pw, pw_link);
	pw->pw_q = q;
}

/*
 * pollwakeup_queue: the object of queue q changed (pollwakeup, sys/poll.h, calls it when q is not
 * empty): each poll filed there looks again, and completes
 * if anything it waits for is ready. A poll that completes leaves every queue, q included; the
 * walk goes on from the next entry of another poll, which stays. pr_gen keeps a poll filed here
 * twice (two descriptors of one pipe) from being looked at twice in one wakeup.
 */
void
pollwakeup_queue(struct pollq *q)
{
	struct pollwait *pw, *next;
	uint32_t gen;

	crit_enter();
	gen = ++poll_gen;
	for (pw = TAILQ_FIRST(q); pw != NULL; pw = next) {
		struct pollreq *req = pw->pw_req;
		for (next = TAILQ_NEXT(pw, pw_link); next != NULL && next->pw_req == req; )
			next = TAILQ_NEXT(next, pw_link);
		if (req->pr_gen == gen)
			continue;
		req->pr_gen = gen;
		poll_stats.wakeups++;
		if (poll_count(req) > 0)
			poll_finish(req, 0);
	}
	crit_exit();
}

/* polldetach: q's object goes away: its polls leave q and look again at the rest. */
void
polldetach(struct pollq *q)
{
	struct pollwait *pw;

	crit_enter();
	while ((pw = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, pw, pw_link);
		pw->pw_q = NULL;
		if (poll_count(pw->pw_req) > 0)
			poll_finish(pw->pw_req, 0);
	}
	crit_exit();
}

/* poll_abort: abortmsg, kill or exit: the poll ends now with EINTR. */
static void
poll_abort(lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)msg;

	crit_enter();
	if ((msg->ms_flags & MSGF_DONE) == 0)
		poll_finish(ksm->km_obj, EINTR);
	crit_exit();
}

/* poll_timer_reply: the timeout's message came back: timed out, or aborted by poll_finish. */
static void
poll_timer_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	struct pollreq *req = (struct pollreq *)((char *)msg -
	    __builtin_offsetof(struct pollreq, pr_timer.tm_msg));

	(void)port;
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	if (!req->pr_done)
		poll_finish(req, 0);
}

void
poll_init(void)
{
	lwkt_initport_replyonly(&poll_timer_port);
	poll_timer_port.mp_replyport = poll_timer_reply;
}

/*
 * sys_poll: the len / 8 struct pollfd at fds (at most OPEN_MAX: EINVAL beyond, or for a ragged
 * len). Answers how many have revents now, or waits for timeout_ns (< 0: without end; 0: not at
 * all; rounded up to clock ticks, and at most 2^32 - 1 ticks). EAGAIN: no memory to wait with.
 */
int
sys_poll(struct poll_msg *msg)
{
	struct ksysmsg *ksm = ksysmsg_of(msg);
	struct proc *p = curproc;
	struct pollfd fds[OPEN_MAX];
	short revents[OPEN_MAX];
	uint32_t nfds = msg->len / sizeof(struct pollfd), n = 0;
	struct pollreq *req;
	int error;

	if (msg->len % sizeof(struct pollfd) != 0 || nfds > OPEN_MAX)
		return EINVAL;
	if (nfds > 0 && copyin(msg->fds, fds, msg->len) != 0)
		return EFAULT;
	crit_enter();
	for (uint32_t i = 0; i < nfds; i++) {
		revents[i] = poll_one(p, fds[i].fd, fds[i].events, NULL);
		n += revents[i] != 0;
	}
	if (n > 0 || msg->timeout_ns == 0) {
		crit_exit();
		msg->hdr.ms_result = n;
		return put_revents(p, (uint32_t)msg->fds, revents, nfds);
	}
	/* Nothing is ready: wait. */
	if ((req = kzalloc(sizeof(*req) + nfds * sizeof(req->pr_ent[0]))) == NULL) {
		crit_exit();
		return EAGAIN;
	}
	if ((error = sysmsg_hold(&ksm)) != 0) {
		crit_exit();
		kfree(req);
		return error == ENOMEM ? EAGAIN : error;
	}
	req->pr_ksm = ksm;
	req->pr_proc = p;
	req->pr_ufds = (uint32_t)msg->fds;
	req->pr_nfds = nfds;
	for (uint32_t i = 0; i < nfds; i++) {
		struct pollent *e = &req->pr_ent[i];
		e->fd = fds[i].fd;
		e->events = fds[i].events;
		e->pw.pw_req = req;
		poll_one(p, e->fd, e->events, &e->pw);	/* files it (nothing is ready) */
	}
	sysmsg_set_abort(ksm, req, poll_abort);
	if (msg->timeout_ns > 0) {
		uint64_t ticks = ((uint64_t)msg->timeout_ns + NS_PER_TICK - 1) / NS_PER_TICK;
		timer_msg_init(&req->pr_timer, &poll_timer_port,
		    ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
		req->pr_timed = true;
		lwkt_sendmsg(&timer_port, &req->pr_timer.tm_msg);
	}
	poll_stats.waiting++;
	crit_exit();
	return EASYNC;
}
