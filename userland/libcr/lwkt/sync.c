/* Mutexes, condition variables and semaphores on LWKT messages (cr/sync.h). */
#include <sys/errno.h>
#include <cr/sync.h>

void
cr_mutex_init(struct cr_mutex *mx)
{
	lwkt_initport_spin(&mx->mx_port);
	lwkt_initmsg(&mx->mx_token, NULL, 0);
	lwkt_sendmsg(&mx->mx_port, &mx->mx_token);	/* free: the token waits on the port */
	mx->mx_owner = NULL;
}

void
cr_mutex_lock(struct cr_mutex *mx)
{
	lwkt_waitport(&mx->mx_port, 0);		/* parks while another thread holds the token */
	mx->mx_owner = cr_curthread;
}

int
cr_mutex_trylock(struct cr_mutex *mx)
{
	if (lwkt_getport(&mx->mx_port) == NULL)
		return EBUSY;
	mx->mx_owner = cr_curthread;
	return 0;
}

int
cr_mutex_unlock(struct cr_mutex *mx)
{
	if (mx->mx_owner != cr_curthread)
		return EPERM;
	mx->mx_owner = NULL;
	/* Put the token back: the oldest waiter, if any, takes it next. */
	mx->mx_token.ms_flags &= ~MSGF_QUEUED;
	mx->mx_port.mp_putport(&mx->mx_port, &mx->mx_token);
	return 0;
}

void
cr_cond_init(struct cr_cond *cv)
{
	TAILQ_INIT(&cv->cv_waiters);
}

/* cr_cond_wait: release mx and wait for a signal, then take mx again. */
void
cr_cond_wait(struct cr_cond *cv, struct cr_mutex *mx)
{
	struct lwkt_msg wait;

	lwkt_initmsg(&wait, &cr_curthread->td_msgport, 0);
	wait.ms_flags &= ~MSGF_DONE;			/* in flight until a signal replies it */
	cr_crit_enter();
	TAILQ_INSERT_TAIL(&cv->cv_waiters, &wait, ms_node);
	cr_crit_exit();
	cr_mutex_unlock(mx);
	lwkt_waitmsg(&wait, 0);
	cr_mutex_lock(mx);
}

void
cr_cond_signal(struct cr_cond *cv)
{
	lwkt_msg_t w;

	cr_crit_enter();
	if ((w = TAILQ_FIRST(&cv->cv_waiters)) != NULL) {
		TAILQ_REMOVE(&cv->cv_waiters, w, ms_node);
		lwkt_replymsg(w, 0);
	}
	cr_crit_exit();
}

void
cr_cond_broadcast(struct cr_cond *cv)
{
	cr_crit_enter();
	while (!TAILQ_EMPTY(&cv->cv_waiters))
		cr_cond_signal(cv);
	cr_crit_exit();
}

void
cr_sem_init(struct cr_sem *sem, int count)
{
	sem->sem_count = count;
	TAILQ_INIT(&sem->sem_waiters);
}

void
cr_sem_wait(struct cr_sem *sem)
{
	struct lwkt_msg wait;

	cr_crit_enter();
	if (sem->sem_count > 0) {
		sem->sem_count--;
		cr_crit_exit();
		return;
	}
	lwkt_initmsg(&wait, &cr_curthread->td_msgport, 0);
	wait.ms_flags &= ~MSGF_DONE;
	TAILQ_INSERT_TAIL(&sem->sem_waiters, &wait, ms_node);
	cr_crit_exit();
	lwkt_waitmsg(&wait, 0);			/* a post hands its unit straight to us */
}

int
cr_sem_trywait(struct cr_sem *sem)
{
	int error = EAGAIN;

	cr_crit_enter();
	if (sem->sem_count > 0) {
		sem->sem_count--;
		error = 0;
	}
	cr_crit_exit();
	return error;
}

void
cr_sem_post(struct cr_sem *sem)
{
	lwkt_msg_t w;

	cr_crit_enter();
	if ((w = TAILQ_FIRST(&sem->sem_waiters)) == NULL) {
		sem->sem_count++;
	} else {
		TAILQ_REMOVE(&sem->sem_waiters, w, ms_node);
		lwkt_replymsg(w, 0);
	}
	cr_crit_exit();
}
