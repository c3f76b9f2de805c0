/*
 * <sched.h>: sched_yield. In a program that uses <pthread.h>, the calling thread lets the other
 * runnable user threads of its vCPU run first (cr_thread_yield); then the vCPU gives its CPU away
 * in the kernel (the sched_yield call), so other vCPUs and processes run too (lwkt/thread.c).
 */
#ifndef _SCHED_H_
#define _SCHED_H_
int	sched_yield(void);
#endif
