/* The kernel's side of the message-port seam (sys/msgport_sys.h): LWKT threads. */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/msgport_sys.h>
#include <sys/thread.h>

struct thread *
msgport_curthread(void)
{
	return curthread;
}

void
msgport_crit_enter(void)
{
	crit_enter();
}

void
msgport_crit_exit(void)
{
	crit_exit();
}

void
msgport_block(const char *wmesg, const void *wchan)
{
	lwkt_block(wmesg, wchan);
}

void
msgport_wakeup(struct thread *td)
{
	lwkt_schedule(td);
}

void
msgport_panic(const char *what, const void *obj)
{
	panic("%s (%p)", what, obj);
}

void
msgport_warn(const char *what, const void *obj)
{
	printf("warning: %s (%p)\n", what, obj);
}
