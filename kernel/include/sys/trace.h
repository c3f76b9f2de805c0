/*
 * The kernel event rings (docs/trace.md): thread switches, LWKT message send/reply/abort, system
 * calls, device interrupts and IPI requests, each stamped with the TSC. One ring per CPU, written
 * only by its CPU: no lock, no shared cache line. Built only into the trace kernel
 * (build/kernel/kernel-trace.elf, compiled with -DKTRACE); in every other build the TRACE_*
 * hooks below are empty statements, so tracing off costs nothing at all.
 *
 * The host reads the rings from guest memory (the symbol trace_rings, over QMP pmemsave) and
 * toolchain/trace.py merges them by TSC (the TSC is one clock for every CPU: under -icount the
 * virtual clock) into Chrome/Perfetto trace JSON. It reads the event numbers, the constants and
 * both structs' layouts from the trace kernel's DWARF: change them here only.
 */
#ifndef _SYS_TRACE_H_
#define _SYS_TRACE_H_

#include <sys/types.h>

/*
 * Event types. Every record carries the TSC, the CPU, the current thread and its process's pid;
 * tr_arg[] holds what each type lists.
 */
enum trace_type {
	TR_THREAD = 1,		/* a thread's name (at creation, exec, exit, stop): td, name bytes 0..11 */
	TR_THREAD_NAME2 = 2,	/* the rest of it: td, name bytes 12..23 */
	TR_THREAD_EXIT = 3,	/* td */
	TR_SWITCH = 4,		/* to (the record's thread is the one switched out), its state */
	TR_MSG_SEND = 5,	/* msg, target port, ms_cmd, ms_flags */
	TR_MSG_REPLY = 6,	/* msg, reply port, error, ms_cmd */
	TR_MSG_ABORT = 7,	/* msg, target port, ms_flags */
	TR_SYSCALL_ENTER = 8,	/* trap from user space: message address (%eax) */
	TR_SYSCALL_EXIT = 9,	/* back to user space: the put's answer (%eax) */
	/*
	 * A call is named by its kernel message (&ksm->km_msg): the object that completes a call
	 * that waited replies to that message (TR_MSG_REPLY), so the host can link the two. A call
	 * that never waits is named by its argument copy on the kernel stack.
	 */
	TR_SYSMSG = 10,		/* a call taken: call, user address, ms_cmd, km_flags */
	TR_SYSMSG_ARGS = 11,	/* argument words: call, 3 words (twice: 24 bytes) */
	TR_SYSMSG_ANSWER = 12,	/* answered into user memory: call, error, result (low 32), queued */
	TR_INTR_ENTER = 13,	/* device interrupt: irq */
	TR_INTR_EXIT = 14,	/* irq */
	TR_SYSMSG_HELD = 15,	/* an async call moved off the stack (sysmsg_hold): old call, new call */
	TR_USER = 16,		/* libcr's scheduler (utrace, abi/upcall.h UTR_): event, a, b */
	/*
	 * An IPI request (kern/lwkt_ipiq.c), named by its sender, its target and its place in the
	 * ring from one to the other (seq: the sender's iq_windex when it queued it), so the host
	 * pairs the send on one CPU's ring with the run on the other's.
	 */
	TR_IPI_SEND = 17,	/* queued for another CPU: target cpu, func, arg1, seq */
	TR_IPI_RUN = 18,	/* its target starts it: sending cpu, func, arg1, seq */
	TR_IPI_DONE = 19,	/* and has run it: sending cpu, seq */
};

/* One event: 32 bytes. */
struct trace_rec {
	uint64_t	tr_tsc;		/* rdtsc at the event */
	uint8_t		tr_type;	/* TR_ */
	uint8_t		tr_cpu;		/* gd_cpuid */
	uint16_t	tr_pid;		/* the current thread's process, 0 for kernel threads */
	uint32_t	tr_td;		/* the current thread (struct thread address) */
	uint32_t	tr_arg[4];
};

enum trace_ring_format {
	TRACE_MAGIC = 0x43525444,	/* "DTRC" in memory */
	TRACE_VERSION = 2,		/* 2: one ring per CPU (trace_rings[MAXCPU]), IPI events */
	TRACE_NRECS = 16384,		/* per CPU, a power of two: 512 KiB of records */
};

/*
 * One CPU's ring as the host reads it (trace_rings[cpu]). tr_head counts every event the CPU
 * ever wrote; record i lives at recs[i % TRACE_NRECS], so when tr_head > TRACE_NRECS the oldest
 * tr_head - TRACE_NRECS events were overwritten (lost) and the ring holds the newest TRACE_NRECS.
 * trace_init fills in the headers (the rings are in .bss: MAXCPU of them would be 4 MiB of the
 * kernel file in .data); a CPU that never started keeps an empty ring.
 */
struct trace_ring {
	uint32_t	tr_magic;	/* TRACE_MAGIC */
	uint16_t	tr_version;	/* TRACE_VERSION */
	uint16_t	tr_recsize;	/* sizeof(struct trace_rec) */
	uint32_t	tr_nrecs;	/* TRACE_NRECS */
	uint32_t	tr_enabled;	/* 1 from trace_init until stopped for the host */
	uint64_t	tr_head;	/* events written so far */
	uint64_t	tr_pad;
	struct trace_rec tr_recs[TRACE_NRECS];
};

#ifdef KTRACE
struct thread;
extern struct trace_ring trace_rings[];		/* [MAXCPU], indexed by gd_cpuid */
void	trace_init(void);
void	trace_event(uint32_t type, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3);
void	trace_thread_name(struct thread *td);
void	trace_shutdown(int verdict);
void	trace_sysmsg(const void *call, uint32_t uaddr, uint32_t cmd, uint32_t kmflags,
	    const void *args);

#define TRACE(type, a0, a1, a2, a3)					\
	trace_event((type), (uint32_t)(a0), (uint32_t)(a1), (uint32_t)(a2), (uint32_t)(a3))
#define TRACE_INIT()			trace_init()
#define TRACE_THREAD_NAME(td)		trace_thread_name(td)
/* Named again as it exits: its creation may have been overwritten since. */
#define TRACE_THREAD_EXIT(td)		do {					\
	trace_thread_name(td);							\
	TRACE(TR_THREAD_EXIT, (td), 0, 0, 0);					\
} while (0)
#define TRACE_SHUTDOWN(verdict)		trace_shutdown(verdict)
/* A call taken: a TR_SYSMSG record, then its first 24 argument bytes in two TR_SYSMSG_ARGS. */
#define TRACE_SYSMSG(call, uaddr, cmd, kmflags, args)	trace_sysmsg((call), (uaddr), (cmd), \
	    (kmflags), (const char *)(args) + sizeof(struct lwkt_msg))
#else
/* Compiled out: the arguments are not even evaluated. */
#define TRACE(type, a0, a1, a2, a3)	do { } while (0)
#define TRACE_INIT()			do { } while (0)
#define TRACE_THREAD_NAME(td)		do { } while (0)
#define TRACE_THREAD_EXIT(td)		do { } while (0)
#define TRACE_SHUTDOWN(verdict)		do { } while (0)
#define TRACE_SYSMSG(call, uaddr, cmd, kmflags, args)	do { } while (0)
#endif

/* The hooks, one per event, so the call sites read as what they record. */
#define TRACE_SWITCH(from, to)		TRACE(TR_SWITCH, (to), (from)->td_state, 0, 0)
#define TRACE_MSG_SEND(msg, port)	TRACE(TR_MSG_SEND, (msg), (port), (msg)->ms_cmd, (msg)->ms_flags)
#define TRACE_MSG_REPLY(msg, port, error) TRACE(TR_MSG_REPLY, (msg), (port), (error), (msg)->ms_cmd)
#define TRACE_MSG_ABORT(msg)		TRACE(TR_MSG_ABORT, (msg), (msg)->ms_target_port, (msg)->ms_flags, 0)
#define TRACE_SYSCALL_ENTER(uaddr)	TRACE(TR_SYSCALL_ENTER, (uaddr), 0, 0, 0)
#define TRACE_SYSCALL_EXIT(answer)	TRACE(TR_SYSCALL_EXIT, (answer), 0, 0, 0)
#define TRACE_INTR_ENTER(irq)		TRACE(TR_INTR_ENTER, (irq), 0, 0, 0)
#define TRACE_INTR_EXIT(irq)		TRACE(TR_INTR_EXIT, (irq), 0, 0, 0)
#define TRACE_SYSMSG_ANSWER(call, error, result, queued)			\
	TRACE(TR_SYSMSG_ANSWER, (call), (error), (result), (queued))
#define TRACE_SYSMSG_HELD(from, to)	TRACE(TR_SYSMSG_HELD, &(from)->km_msg, &(to)->km_msg, 0, 0)
#define TRACE_IPI_SEND(to, req, seq)	TRACE(TR_IPI_SEND, (to), (req)->func, (req)->arg1, (seq))
#define TRACE_IPI_RUN(from, req, seq)	TRACE(TR_IPI_RUN, (from), (req)->func, (req)->arg1, (seq))
#define TRACE_IPI_DONE(from, seq)	TRACE(TR_IPI_DONE, (from), (seq), 0, 0)

#endif
