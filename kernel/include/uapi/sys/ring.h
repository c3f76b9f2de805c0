/*
 * The submission/completion ring: one page shared by a process and the kernel (io_uring's idea
 * in LWKT terms). The process writes message addresses into the submission queue and advances
 * sq_tail; ring_enter takes them (each becomes an asynchronous message), and every completion,
 * immediate or later, is posted to the completion queue, where the process finds the message
 * addresses and advances cq_head. Counters run freely; the slot is counter & mask.
 *
 * A polled ring (RING_SETUP_KPOLL) has a kernel thread on another CPU that takes submissions as
 * soon as sq_tail moves, with no trap; when it has idled a while it sleeps and sets
 * RING_NEED_WAKEUP in sq_flags, and then (only then) the process wakes it with
 * ring_enter(0, 0, RING_ENTER_WAKEUP). The process must order its store of sq_tail before its
 * load of sq_flags (a full fence: docs/smp.md, "The kernel-polled ring").
 *
 * The layout is ABI: libcr includes this header. The kernel's functions are in <sys/ksysmsg.h>.
 */
#ifndef _SYS_RING_H_
#define _SYS_RING_H_

#include <sys/types.h>

#define RING_MAX_ENTRIES	256	/* header and both queues fit one page */
#define RING_UADDR		0xbffe8000u	/* where ring_setup maps it: 8 pages below the user stack */

/* ring_setup's flags */
#define RING_SETUP_KPOLL	0x0001	/* a kernel thread on another CPU takes the submissions */
#define RING_SETUP_FLAGS	RING_SETUP_KPOLL
/* ring_enter's flags */
#define RING_ENTER_WAKEUP	0x0001	/* a polled ring: wake its thread (RING_NEED_WAKEUP was set) */
#define RING_ENTER_FLAGS	RING_ENTER_WAKEUP
/* sq_flags, written by the kernel */
#define RING_NEED_WAKEUP	0x0001	/* the polling thread sleeps: ring_enter(RING_ENTER_WAKEUP) */

struct ring_shared {
	volatile uint32_t	sq_head;	/* kernel: next submission to take */
	volatile uint32_t	sq_tail;	/* process: next free submission slot */
	volatile uint32_t	cq_head;	/* process: next completion to read */
	volatile uint32_t	cq_tail;	/* kernel: next free completion slot */
	uint32_t		entries;	/* a power of two, at most RING_MAX_ENTRIES */
	uint32_t		mask;		/* entries - 1 */
	uint32_t		sq_off;		/* byte offset of uint32_t sq[entries] */
	uint32_t		cq_off;		/* byte offset of uint32_t cq[entries] */
	volatile uint32_t	overflow;	/* completions that found the queue full (see waitport) */
	volatile uint32_t	sq_flags;	/* kernel: RING_NEED_WAKEUP */
	uint32_t		setup_flags;	/* kernel: the flags ring_setup was given */
	uint32_t		pad[5];
};

#endif
