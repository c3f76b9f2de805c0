/*
 * <signal.h>: POSIX signals over the kernel's upcalls (docs/upcalls.md). The numbers, flags and
 * the kernel's action and siginfo are the ABI's (abi/signal.h). The mask is per user thread: it
 * is the running thread's mask in its vCPU's upcall area, saved and restored at each switch, so
 * sigprocmask and pthread_sigmask are the same call.
 */
#ifndef _SIGNAL_H_
#define _SIGNAL_H_

#include <sys/types.h>
#include <abi/signal.h>

typedef unsigned int sigset_t;
typedef int sig_atomic_t;
typedef struct ksiginfo siginfo_t;
typedef struct kstack stack_t;

#define SIG_DFL		((void (*)(int))__SIG_DFL)
#define SIG_IGN		((void (*)(int))__SIG_IGN)
#define SIG_ERR		((void (*)(int))-1)

struct sigaction {
	union {
		void	(*__sa_handler)(int);
		void	(*__sa_sigaction)(int, siginfo_t *, void *);
	} __sa_u;
	sigset_t	sa_mask;
	int		sa_flags;
};
#define sa_handler	__sa_u.__sa_handler
#define sa_sigaction	__sa_u.__sa_sigaction

int	kill(pid_t pid, int sig);
int	raise(int sig);
int	sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
void	(*signal(int sig, void (*handler)(int)))(int);
int	sigprocmask(int how, const sigset_t *set, sigset_t *oset);
int	pthread_sigmask(int how, const sigset_t *set, sigset_t *oset);	/* an errno, not -1 */
struct thread;
int	pthread_kill(struct thread *thread, int sig);	/* pthread_t; an errno: EINVAL, ESRCH */
int	sigpending(sigset_t *set);
int	sigsuspend(const sigset_t *mask);
int	sigaltstack(const stack_t *ss, stack_t *oss);	/* the calling vCPU's */
struct timespec;
int	sigwait(const sigset_t *set, int *sig);		/* an errno, not -1 */
int	sigwaitinfo(const sigset_t *set, siginfo_t *info);
int	sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout);
int	sigemptyset(sigset_t *set);
int	sigfillset(sigset_t *set);
int	sigaddset(sigset_t *set, int sig);
int	sigdelset(sigset_t *set, int sig);
int	sigismember(const sigset_t *set, int sig);
const char *strsignal(int sig);

/* libcr's upcalls (the entry every vCPU registers; a hook for UPC_POKE) */
struct upcall_msg;
struct upcall_ctx;
struct upcall_area;
void	cr_upcall_entry(struct upcall_msg *m, struct upcall_ctx *ctx, struct upcall_area *area);
extern void (*cr_upcall_poke_hook)(int from_vcpu);

#endif
