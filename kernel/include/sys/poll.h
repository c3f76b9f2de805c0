/*
 * poll's side of the objects it waits on (kern/sys_poll.c). A poll that must wait files one
 * struct pollwait per descriptor at the object behind it (a pipe, the console) through the
 * file's fo_poll; the object calls pollwakeup on its queue whenever its state changes, and the
 * poll looks again: if something it waits for is true now, it completes; if not, it stays.
 * An object that goes away with polls still filed (their descriptor was closed meanwhile, and
 * its number reused) calls polldetach.
 */
#ifndef _SYS_POLL_H_
#define _SYS_POLL_H_

#include <sys/queue.h>
#include <abi/poll.h>

struct pollreq;

struct pollwait {
	TAILQ_ENTRY(pollwait) pw_link;		/* on the object's queue */
	struct pollq	*pw_q;			/* that queue, or NULL: filed nowhere */
	struct pollreq	*pw_req;		/* the poll it belongs to */
};
TAILQ_HEAD(pollq, pollwait);

void	pollwait_file(struct pollq *q, struct pollwait *pw);	/* fo_poll: file pw (or NULL) at q */
void	pollwakeup_queue(struct pollq *q);

/* pollwakeup: the object changed: the polls filed at it look again (inline: usually none is). */
static inline void
pollwakeup(struct pollq *q)
{
	if (__builtin_expect(!TAILQ_EMPTY(q), 0))
		pollwakeup_queue(q);
}

void	polldetach(struct pollq *q);		/* the object goes away */
void	poll_init(void);

/* Counters (struct kstat reports them). */
struct poll_stats {
	uint32_t	waiting;		/* polls filed now, all processes */
	uint64_t	wakeups;		/* polls that looked again after a change */
};
extern struct poll_stats poll_stats;

#endif
