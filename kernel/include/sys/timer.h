/*
 * Time as a service: a sleep or a timeout is a message sent to the timer port and replied when
 * its time comes. lwkt_abortmsg on a pending timer message replies it at once with EINTR.
 * The clock ticks HZ times a second (the PIT); deadlines are in ticks.
 */
#ifndef _SYS_TIMER_H_
#define _SYS_TIMER_H_

#include <sys/msgport.h>

#define HZ	100

struct timer_msg {
	struct lwkt_msg	tm_msg;
	uint64_t	tm_deadline;		/* the tick at which to reply (filled in by the put) */
	uint32_t	tm_ticks;		/* how long, from the send */
	TAILQ_ENTRY(timer_msg) tm_link;		/* on the timer service's pending list */
};

extern struct lwkt_port timer_port;

void	timer_init(void);
void	timer_msg_init(struct timer_msg *tm, lwkt_port_t rport, uint32_t ticks);
int	lwkt_sleep(uint32_t ticks);		/* 0, or EINTR when aborted */
void	timer_tick(void);			/* called for each serviced tick */
void	intr_service(void);			/* arch: deferred interrupt work (ticks, console) */
void	clock_init(void);			/* arch: start the periodic tick */
uint64_t ticks(void);
uint32_t timer_pending(void);			/* messages waiting for their tick */

#endif
