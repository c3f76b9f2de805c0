/*
 * The seam between kernel/kern/lwkt_msgport.c and the side it is compiled for. The kernel
 * provides these with its LWKT scheduler (kernel/kern/lwkt_thread.c); libcr provides its own
 * (userland/libcr/lwkt/msgport_sys.c). Nothing else in lwkt_msgport.c differs between sides.
 */
#ifndef _SYS_MSGPORT_SYS_H_
#define _SYS_MSGPORT_SYS_H_

#include <sys/msgport.h>

struct thread;

/* The calling thread. */
struct thread *msgport_curthread(void);
/* Keep interrupts (kernel) or other user threads (libcr) from running port code meanwhile. */
void	msgport_crit_enter(void);
void	msgport_crit_exit(void);
/* Block the calling thread until msgport_wakeup(td); called inside the critical section. */
void	msgport_block(const char *wmesg, const void *wchan);
/* Make a thread blocked in msgport_block runnable again. */
void	msgport_wakeup(struct thread *td);
/* An unrecoverable misuse of the API (the kernel panics; libcr aborts). */
__attribute__((noreturn)) void msgport_panic(const char *what, const void *obj);
/* A message was replied twice: report it once (the second reply is refused). */
void	msgport_warn(const char *what, const void *obj);

#endif
