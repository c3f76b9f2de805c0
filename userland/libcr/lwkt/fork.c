/*
 * fork() (POSIX.1-2017): the fork system call, with libcr's own state made whole on both sides.
 *
 * The kernel copies the address space as it is at the trap, and only the calling vCPU. So that
 * the child's copy of libcr is consistent, the caller holds the scheduler's lock (a critical
 * section) and the heap's lock across the trap: no other vCPU is halfway through a switch, a
 * port operation or a malloc in the copy. In the child the scheduler then keeps only the calling
 * thread, on vCPU 0 (cr_sched_forked, thread.c), and both sides release the locks.
 *
 * Not carried into the child: other user threads (their memory stays; they never run), other
 * vCPUs, the ring, and calls in flight (the child's copies of those messages never complete).
 * stdio buffers are copied as they are, so a child that calls exit() also flushes what the
 * parent had buffered: a child that does not exec should end with _exit. The trap goes straight
 * to the kernel, whatever shim is installed in cr_syscall_port.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>
#include <cr/thread.h>

void	cr_sched_forked(void);
void	cr_malloc_lock(void);
void	cr_malloc_unlock(void);

pid_t
fork(void)
{
	struct fork_msg m;
	int error;

	cr_crit_enter();
	cr_malloc_lock();
	m.hdr.ms_cmd = SYS_fork;
	error = cr_trap_sync(&m.hdr);
	if (error == 0 && m.hdr.ms_result == 0)
		cr_sched_forked();		/* the child */
	cr_malloc_unlock();
	cr_crit_exit();
	if (error != 0) {
		errno = error;
		return -1;
	}
	return (pid_t)m.hdr.ms_result;
}
