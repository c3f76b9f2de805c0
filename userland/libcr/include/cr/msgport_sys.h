/*
 * libcr's side of the message-port seam (see kernel/include/sys/msgport_sys.h), for
 * kernel/kern/lwkt_msgport.c compiled into libcr. A program has one thread of control for now:
 * there is nothing to keep out of a critical section and nobody who could wake a blocked
 * caller, so a wait that would block is reported and the program ends. User threads will give
 * this seam real blocking and waking.
 */
#ifndef _CR_MSGPORT_SYS_H_
#define _CR_MSGPORT_SYS_H_

#include <sys/msgport.h>

struct thread;

/* The one thread of a program, as the port code sees it. */
extern char cr_main_thread[];

static inline struct thread *
msgport_curthread(void)
{
	return (struct thread *)cr_main_thread;
}

static inline void
msgport_crit_enter(void)
{
}

static inline void
msgport_crit_exit(void)
{
}

__attribute__((noreturn)) void cr_msgport_fatal(const char *what, const void *obj);
void	cr_msgport_warn(const char *what, const void *obj);

static inline void
msgport_block(const char *wmesg, const void *wchan)
{
	(void)wmesg;
	cr_msgport_fatal("would wait forever: no other thread can complete it", wchan);
}

static inline void
msgport_wakeup(struct thread *td)
{
	(void)td;
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

#endif
