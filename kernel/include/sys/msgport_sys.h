/*
 * The seam between kernel/kern/lwkt_msgport.c and the side it is compiled for: the kernel's
 * side is this file, inline, on LWKT threads; libcr's is the <sys/msgport_sys.h> on its own
 * include path (userland/libcr/include/sys/msgport_sys.h), on its user threads. Nothing else in
 * lwkt_msgport.c differs between the two. Each side provides:
 *
 *   msgport_curthread()		the calling thread
 *   msgport_crit_enter/exit()		keep interrupts (kernel) or other user threads (libcr) out
 *   msgport_crit_enter/exit_td(cur)	the same, cur the running thread, which the caller has
 *   msgport_block(wmesg, wchan)	block the caller until msgport_wakeup(td); called inside
 *					the critical section
 *   msgport_wakeup(td)			make a thread blocked in msgport_block runnable again
 *   msgport_handoff_ok(cur, td)	may cur, the caller, hand its CPU straight to td, blocked in
 *					msgport_block (in waitport, for a message): td on the
 *					caller's CPU, of its priority, nothing higher runnable, and
 *					nothing else a switch would have to do (tokens)
 *   msgport_handoff(cur, td)		that hand-off: td runs now, in cur's place; cur
 *					stays runnable behind the others of its priority, as after
 *					a yield. Inside the critical section; returns when cur runs
 *					again
 *   msgport_elsewhere(port)		is port a thread port whose owner belongs to another CPU?
 *					(the kernel with several CPUs; never in libcr)
 *   msgport_send_elsewhere(port, fn, msg)  run fn(port, msg) on the CPU of port's owner
 *					(an IPI message: kern/lwkt_ipiq.c)
 *   msgport_panic(what, obj)		an unrecoverable misuse of the API (noreturn)
 *   msgport_warn(what, obj)		report a refused operation (a second reply) and go on
 *   msgport_trace_send/reply/abort	record the event in the kernel's trace ring (sys/trace.h;
 *					nothing unless the kernel is built with KTRACE, and
 *					nothing in libcr)
 */
#ifndef _SYS_MSGPORT_SYS_H_
#define _SYS_MSGPORT_SYS_H_

#include <sys/msgport.h>

#ifndef _KERNEL
#error "the kernel's side of the message-port seam: libcr has its own <sys/msgport_sys.h>"
#endif

#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/trace.h>
#include <sys/ipiq.h>

static inline struct thread *
msgport_curthread(void)
{
	return curthread;
}

static inline void
msgport_crit_enter(void)
{
	crit_enter();
}

static inline void
msgport_crit_exit(void)
{
	crit_exit();
}

/* The same for cur, the running thread, which the caller has at hand already. */
static inline void
msgport_crit_enter_td(struct thread *cur)
{
	crit_enter_td(cur);
}

static inline void
msgport_crit_exit_td(struct thread *cur)
{
	crit_exit_td(cur);
}

static inline __attribute__((always_inline)) void
msgport_block(const char *wmesg, const void *wchan)
{
	lwkt_block_td(curthread, wmesg, wchan);
}

static inline void
msgport_wakeup(struct thread *td)
{
	lwkt_schedule(td);
}

static inline bool
msgport_handoff_ok(struct thread *cur, struct thread *td)
{
	struct globaldata *gd = cur->td_gd;

	return td->td_gd == gd && td->td_pri == cur->td_pri && td->td_state == TDS_BLOCKED &&
	    cur->td_state == TDS_RUNNABLE && (cur->td_toks_count | td->td_toks_count) == 0 &&
	    !runq_above(&gd->gd_runq, cur->td_pri);
}

static inline __attribute__((always_inline)) void
msgport_handoff(struct thread *cur, struct thread *td)
{
	lwkt_handoff_td(cur, td);
}

/*
 * msgport_elsewhere: the queue of a thread port is touched only on its owner's CPU; another
 * CPU sends the put or reply there (DragonFly's rule). With one CPU, one compare.
 */
static inline __attribute__((always_inline)) bool
msgport_elsewhere(lwkt_port_t port)
{
	return __builtin_expect(ncpus > 1, 0) && (port->mp_flags & MSGPORTF_THREAD) &&
	    port->mp_td->td_gd != mycpu;
}

static inline void
msgport_send_elsewhere(lwkt_port_t port, void (*fn)(void *, int), lwkt_msg_t msg)
{
	lwkt_send_ipiq(port->mp_td->td_gd, fn, port, (int)(uintptr_t)msg);
}

__attribute__((noreturn)) static inline void
msgport_panic(const char *what, const void *obj)
{
	panic("%s (%p)", what, obj);
}

static inline void
msgport_warn(const char *what, const void *obj)
{
	printf("warning: %s (%p)\n", what, obj);
}

static inline void
msgport_trace_send(lwkt_msg_t msg, lwkt_port_t port)
{
	TRACE_MSG_SEND(msg, port);
}

static inline void
msgport_trace_reply(lwkt_msg_t msg, lwkt_port_t port, int error)
{
	TRACE_MSG_REPLY(msg, port, error);
}

static inline void
msgport_trace_abort(lwkt_msg_t msg)
{
	TRACE_MSG_ABORT(msg);
}

#endif
