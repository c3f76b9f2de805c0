/*
 * Virtual CPUs of a process, shared by the kernel and libcr: the rfork flags and the waitport
 * flag with which a vCPU that has nothing to run waits in the kernel (see docs/threads.md).
 */
#ifndef _SYS_VCPU_H_
#define _SYS_VCPU_H_

/* rfork flags (the values are Plan 9's and DragonFly's): both are required today. */
#define RFMEM		(1 << 5)	/* share the address space */
#define RFTHREAD	(1 << 13)	/* a thread of this process, not a new one */
/*
 * RFCPU(n): place the new vCPU on CPU n (its ring-3 code runs there; docs/smp.md). Without it
 * the kernel spreads a process's vCPUs over the CPUs. EINVAL for a CPU that is not running, or
 * for another CPU than the home one in the KSE model (whose vCPUs stay home).
 */
#define RFCPU_FLAG	(1 << 20)
#define RFCPU_SHIFT	24
#define RFCPU(n)	(RFCPU_FLAG | ((unsigned)(n) << RFCPU_SHIFT))

#define VCPU_MAX	32		/* vCPUs a process may have at once (rfork: EAGAIN) */

/*
 * waitport flags. WAITPORT_IDLE: the calling vCPU is idle. It waits even when none of the
 * process's calls is in flight (another vCPU may hand it work), and returns 0 with no message
 * when another vCPU wakes it (vcpu_wake). It answers EAGAIN only when nothing is in flight and
 * every other vCPU of the process is idle too: then nothing could ever wake any of them.
 */
#define WAITPORT_IDLE	0x1
/* WAITPORT_POLL: never wait: EAGAIN at once when nothing has completed (a yield's check). */
#define WAITPORT_POLL	0x2
#define WAITPORT_FLAGS	(WAITPORT_IDLE | WAITPORT_POLL)	/* every flag waitport knows */

#endif
