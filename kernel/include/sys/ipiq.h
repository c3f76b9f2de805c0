/*
 * IPI message queues (kern/lwkt_ipiq.c, docs/smp.md): how one CPU asks another to run a
 * function. Every ordered pair of CPUs has a ring of IPIQ_SIZE requests, written only by the
 * sending CPU and read only by the target, so neither side takes a lock. The target is
 * interrupted (vector T_IPIQ) only when it is not already due to look at its queues.
 */
#ifndef _SYS_IPIQ_H_
#define _SYS_IPIQ_H_

#include <sys/types.h>

struct globaldata;

#define IPIQ_SIZE	32		/* requests in flight from one CPU to another */

typedef void (*ipifunc_t)(void *arg1, int arg2);

struct ipiq_req {
	ipifunc_t	func;
	void		*arg1;
	int		arg2;
};

struct lwkt_ipiq {
	volatile uint32_t iq_windex;	/* requests written (the sender's) */
	volatile uint32_t iq_rindex;	/* requests run (the target's) */
	struct ipiq_req	iq_ring[IPIQ_SIZE];
	uint64_t	iq_sent;	/* statistics: requests sent */
	uint64_t	iq_full;	/* times the sender found the ring full and waited */
	uint64_t	iq_ipis;	/* interrupts the sender raised */
};

/* lwkt_send_ipiq: run func(arg1, arg2) on CPU target, soon; at once when target is this CPU. */
void	lwkt_send_ipiq(struct globaldata *target, ipifunc_t func, void *arg1, int arg2);
/* lwkt_send_ipiq_wait: run func(arg1, arg2) on CPU target; return when it has. */
void	lwkt_send_ipiq_wait(struct globaldata *target, ipifunc_t func, void *arg1, int arg2);
/* lwkt_send_ipiq_all_wait: run func(arg1, arg2) on every other CPU; return when all have. */
void	lwkt_send_ipiq_all_wait(ipifunc_t func, void *arg1, int arg2);
/* lwkt_process_ipiq: run every request queued for this CPU (inside a critical section). */
void	lwkt_process_ipiq(void);
/* lwkt_ipiq_of: the ring from CPU from to CPU to (tests, the inspector). */
struct lwkt_ipiq *lwkt_ipiq_of(int from, int to);

#endif
