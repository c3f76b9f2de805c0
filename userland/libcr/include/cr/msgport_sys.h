/*
 * libcr's side of the message-port seam (the kernel's is kernel/include/sys/msgport_sys.h), for
 * kernel/kern/lwkt_msgport.c compiled into libcr: the user-thread scheduler (cr/thread.h,
 * cr/sched.h).
 * User threads run on several vCPUs at once, so a critical section takes the scheduler's lock
 * (cr_crit_enter): port state and thread states change under it, and a thread blocks with it
 * held (the switch hands it on). Blocking parks the calling user thread; when no thread can
 * run, the vCPU waits in the kernel for a completed system call or another vCPU's wake.
 */
#ifndef _CR_MSGPORT_SYS_H_
#define _CR_MSGPORT_SYS_H_

#include <sys/msgport.h>
#include <cr/sched.h>
#include <cr/thread.h>

static inline struct thread *
msgport_curthread(void)
{
	return cr_curthread;
}

static inline void
msgport_crit_enter(void)
{
	cr_crit_enter();
}

static inline void
msgport_crit_exit(void)
{
	cr_crit_exit();
}

static inline void
msgport_crit_enter_td(struct thread *cur)
{
	cr_crit_enter_td(cur);
}

static inline void
msgport_crit_exit_td(struct thread *cur)
{
	cr_crit_exit_td(cur);
}

void	cr_msgport_warn(const char *what, const void *obj);

static inline __attribute__((always_inline)) void
msgport_block(const char *wmesg, const void *wchan)
{
	sched_block(cr_curthread, wmesg, wchan);
}

static inline void
msgport_wakeup(struct thread *td)
{
	cr_sched_wakeup(td);
}

static inline bool
msgport_handoff_ok(struct thread *cur, struct thread *td)
{
	return sched_handoff_ok(cur, td);
}

/* msgport_elsewhere: never in libcr: its vCPUs share the ports under its own locking. */
static inline bool
msgport_elsewhere(lwkt_port_t port)
{
	(void)port;
	return false;
}

static inline void
msgport_send_elsewhere(lwkt_port_t port, void (*fn)(void *, int), lwkt_msg_t msg)
{
	(void)port;
	(void)fn;
	(void)msg;
}

static inline __attribute__((always_inline)) void
msgport_handoff(struct thread *cur, struct thread *td)
{
	sched_handoff(cur, td);
}

__attribute__((noreturn)) static inline void
msgport_panic(const char *what, const void *obj)
{
	cr_msgport_fatal(what, obj);
}

static inline void
msgport_warn(const char *what, const void *obj)
{
	cr_msgport_warn(what, obj);
}

/*
 * Remote reply ports (lwkt_msgport.c): libcr's cr_reply_port, whose messages the kernel may hold
 * (sys/sysport.c collects them). One thread alone may wait in the kernel for a completion;
 * with more, a thread parks and the vCPU's idle thread collects.
 */
#define MSGPORT_REMOTE	1

lwkt_msg_t cr_kernel_collect(lwkt_msg_t msg);
lwkt_msg_t cr_kernel_collect_any(int flags);

static inline bool
msgport_remote_may_wait(void)
{
	extern int cr_threaded;

	return !cr_threaded;
}

static inline lwkt_msg_t
msgport_remote_collect(lwkt_msg_t msg)
{
	return cr_kernel_collect(msg);
}

static inline lwkt_msg_t
msgport_remote_collect_any(int flags)
{
	return cr_kernel_collect_any(flags);
}

/*
 * The hand-off fast paths (lwkt/switch.S) are lwkt_domsg and lwkt_replywait; lwkt_msgport.c's C
 * is their slow path, which arms them again on its way out when nothing is armed (struct
 * cr_vcpu in cr/sched.h; cr_sched_handoff_arm decides).
 */
#define MSGPORT_FAST_PATHS	1

int	lwkt_domsg_slow(lwkt_port_t port, lwkt_msg_t msg, int flags);
void	*lwkt_replywait_slow(lwkt_msg_t msg, int error, lwkt_port_t port);

static inline __attribute__((always_inline)) void
msgport_fast_rearm(void)
{
	if (__builtin_expect(cr_vcpus[0].vc_fast_armed == 0, 0) && !cr_several_vcpus)
		cr_sched_handoff_arm();
}

/* The kernel's trace ring has no user-space side: these record nothing. */
static inline void
msgport_trace_send(lwkt_msg_t msg, lwkt_port_t port)
{
}

static inline void
msgport_trace_reply(lwkt_msg_t msg, lwkt_port_t port, int error)
{
}

static inline void
msgport_trace_abort(lwkt_msg_t msg)
{
}

#endif
