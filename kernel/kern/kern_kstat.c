/*
 * What tools see: the process list (sys_proclist, for ps) and the kernel's counters
 * (sys_kstat, struct kstat).
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/kstat.h>
#include <sys/malloc.h>
#include <sys/poll.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <string.h>

/* sys_proclist: one struct procinfo per process into msg->buf, as many as msg->len holds. */
int
sys_proclist(struct proclist_msg *msg)
{
	struct procinfo pi;
	struct proc *p;
	size_t n = 0, max = msg->len / sizeof(pi);

	proc_table_lock();
	TAILQ_FOREACH(p, &allproc, p_list) {
		if (n == max)
			break;
		memset(&pi, 0, sizeof(pi));
		pi.pi_pid = p->p_pid;
		pi.pi_ppid = p->p_ppid;
		strlcpy(pi.pi_name, p->p_comm, sizeof(pi.pi_name));
		pi.pi_outstanding = p->p_noutstanding;
		if (p->p_state != PS_RUN) {
			pi.pi_state = 'Z';
		} else {
			thread_t td;
			pi.pi_threads = p->p_nvcpus;
			pi.pi_state = 'S';
			FOREACH_VCPU(p, td) {
				if (td->td_state == TDS_RUNNABLE)
					pi.pi_state = 'R';	/* R when any vCPU can run */
				else if (td->td_wmesg && pi.pi_wmesg[0] == '\0')
					strlcpy(pi.pi_wmesg, td->td_wmesg, sizeof(pi.pi_wmesg));
			}
		}
		if (proc_copyout(curproc, (uint32_t)msg->buf + n * sizeof(pi), &pi, sizeof(pi)) != 0) {
			proc_table_unlock();
			return EFAULT;
		}
		n++;
	}
	proc_table_unlock();
	msg->hdr.ms_result = n;
	return 0;
}

/* sys_kstat: the kernel's counters (struct kstat), the first msg->len bytes of them. */
int
sys_kstat(struct kstat_msg *msg)
{
	struct kstat ks;
	size_t n = msg->len < sizeof(ks) ? msg->len : sizeof(ks);

	memset(&ks, 0, sizeof(ks));
	ks.ks_pages_free = vm_page_free_count();
	ks.ks_kmalloc_in_use = kmalloc_stats.in_use;
	ks.ks_threads = lwkt_stats.threads;
	ks.ks_procs = nprocs;
	ks.ks_sysmsg_live = sysmsg_stats.live;
	ks.ks_sysmsg_outstanding = sysmsg_stats.outstanding;
	ks.ks_files = files_open;
	ks.ks_pipes = pipes_alive;
	ks.ks_ticks = mycpu->gd_ticks;
	ks.ks_syscalls = sysmsg_stats.calls;
	ks.ks_async_later = sysmsg_stats.async_later;
	ks.ks_aborts = sysmsg_stats.aborts;
	ks.ks_switches = lwkt_stats.switches;
	ks.ks_user_ticks = lwkt_stats.user_ticks;
	ks.ks_preemptions = lwkt_stats.preemptions;
	ks.ks_ramfs_files = ramfs_files;
	ks.ks_ramfs_pages = ramfs_pages;
	ks.ks_polls = poll_stats.waiting;
	ks.ks_poll_wakeups = poll_stats.wakeups;
	ks.ks_pages_shared = vm_page_stats.shared;
	ks.ks_pages_reserved = vm_page_stats.reserved;
	ks.ks_cow_copies = vm_page_stats.cow_copies;
	ks.ks_cow_reuses = vm_page_stats.cow_reuses;
	ks.ks_kse_calls = kse_stats.calls;
	ks.ks_kse_pooled = kse_stats.pooled;
	ks.ks_kse_upcalls = kse_stats.blocked + kse_stats.unblocked;
	ks.ks_ncpus = (uint32_t)ncpus;
	ks.ks_vcpu_moves = vcpu_moves;
	ks.ks_faults_raced = vm_page_stats.faults_raced;
	ks.ks_ring_enters = ring_stats.enters;
	ks.ks_kpoll_taken = ring_stats.kpoll_taken;
	ks.ks_kpoll_home = ring_stats.kpoll_home;
	ks.ks_kpoll_sleeps = ring_stats.kpoll_sleeps;
	ks.ks_kpoll_wakeups = ring_stats.kpoll_wakeups;
	ks.ks_kpoll_threads = ring_stats.kpoll_threads;
	if (proc_copyout(curproc, (uint32_t)msg->buf, &ks, n) != 0)
		return EFAULT;
	msg->hdr.ms_result = n;
	return 0;
}
