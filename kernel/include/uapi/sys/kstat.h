/*
 * Kernel counters for tests and tools (the kstat system call copies a struct kstat), and the
 * records of the proclist call. Both are ABI: shared by the kernel and libcr.
 */
#ifndef _SYS_KSTAT_H_
#define _SYS_KSTAT_H_

#include <sys/types.h>

struct kstat {
	uint32_t	ks_pages_free;		/* physical pages free */
	uint32_t	ks_kmalloc_in_use;	/* kernel heap objects allocated */
	uint32_t	ks_threads;		/* LWKT threads alive */
	uint32_t	ks_procs;		/* processes alive (zombies included) */
	uint32_t	ks_sysmsg_live;		/* ksysmsgs allocated (caches included) */
	uint32_t	ks_sysmsg_outstanding;	/* syscall messages in flight */
	uint32_t	ks_files;		/* open files */
	uint32_t	ks_pipes;		/* pipes */
	uint64_t	ks_ticks;		/* clock ticks since boot (HZ per second) */
	uint64_t	ks_syscalls;		/* syscall messages taken */
	uint64_t	ks_async_later;		/* completed after answering EASYNC */
	uint64_t	ks_aborts;		/* messages aborted */
	uint64_t	ks_switches;		/* thread switches */
	uint64_t	ks_user_ticks;		/* clock ticks that interrupted user code */
	uint64_t	ks_preemptions;		/* ... and made it yield to another thread */
	uint32_t	ks_ramfs_files;		/* ramfs files and directories made at run time (named,
						   or still open or a working directory) */
	uint32_t	ks_ramfs_pages;		/* their pages of data: the ramfs quota's use */
	uint32_t	ks_polls;		/* poll calls waiting now */
	uint64_t	ks_poll_wakeups;	/* times a waiting poll looked again after a change */
	uint32_t	ks_pages_shared;	/* user pages shared by several address spaces (fork) */
	uint32_t	ks_pages_reserved;	/* free pages set aside for copy-on-write copies */
	uint64_t	ks_cow_copies;		/* write faults that copied a shared page */
	uint64_t	ks_cow_reuses;		/* ... that found it no longer shared and kept it */
	uint32_t	ks_kse_calls;		/* KSE calls blocked now: a kernel thread and stack each */
	uint32_t	ks_kse_pooled;		/* ended KSE calls' contexts kept for the next (a thread
						   and stack each) */
	uint64_t	ks_kse_upcalls;		/* UPC_BLOCKED and UPC_UNBLOCKED upcalls made */
	uint32_t	ks_ncpus;		/* CPUs running (sysconf(_SC_NPROCESSORS_ONLN)) */
	uint32_t	ks_pad0;
	uint64_t	ks_vcpu_moves;		/* kernel work of a vCPU placed on another CPU: its
						   moves to its process's home CPU (and back) */
	uint64_t	ks_faults_raced;	/* faults another CPU's vCPU had resolved (retried) */
	uint64_t	ks_ring_enters;		/* ring_enter calls (each a trap) */
	uint64_t	ks_kpoll_taken;		/* ring submissions taken by polling threads, no trap */
	uint64_t	ks_kpoll_home;		/* ... of them run on the process's home CPU */
	uint64_t	ks_kpoll_sleeps;	/* times a polling thread raised RING_NEED_WAKEUP to sleep */
	uint64_t	ks_kpoll_wakeups;	/* ... and ring_enter(RING_ENTER_WAKEUP) woke it */
	uint32_t	ks_kpoll_threads;	/* polling threads alive */
	uint32_t	ks_pad;
};

#define PI_NAME_MAX	24

struct procinfo {
	int32_t		pi_pid;
	int32_t		pi_ppid;
	char		pi_state;		/* R running/runnable, S waiting, Z zombie */
	char		pi_pad[3];
	uint32_t	pi_outstanding;		/* its async messages in flight */
	char		pi_name[PI_NAME_MAX];
	char		pi_wmesg[12];		/* what its thread waits for */
	uint32_t	pi_threads;
};

#endif
