/*
 * Serializing tokens (sys/token.h). A thread's tokens are listed in td_toks; lwkt_switch
 * releases them all when the thread is switched out, and pick() reacquires them all before it
 * runs again, passing over a thread whose token a thread running on another CPU holds (the CPU
 * then runs its idle loop, which keeps trying). t_ref changes only by compare-and-swap (taking)
 * and release stores (letting go), so a token is held by one running thread in the whole
 * machine: on one CPU taking one never waits; across CPUs the loser waits (docs/smp.md).
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/token.h>

void
lwkt_token_init(lwkt_token_t tok, const char *desc)
{
	tok->t_ref = NULL;
	tok->t_desc = desc;
	tok->t_collisions = 0;
}

/* take: tok becomes td's unless a thread other than td holds it. */
static inline bool
take(lwkt_token_t tok, thread_t td)
{
	thread_t ref = NULL;

	return __atomic_compare_exchange_n(&tok->t_ref, &ref, td, false, __ATOMIC_ACQUIRE,
	    __ATOMIC_RELAXED) || ref == td;
}

/* drop: td no longer holds tok (if it did). */
static inline void
drop(lwkt_token_t tok, thread_t td)
{
	if (tok->t_ref == td)
		__atomic_store_n(&tok->t_ref, NULL, __ATOMIC_RELEASE);
}

static void
push(thread_t td, lwkt_token_t tok)
{
	if (td->td_toks_count == TD_TOKENS_MAX)
		panic("thread %s holds more than %d tokens", td->td_name, TD_TOKENS_MAX);
	td->td_toks[td->td_toks_count++] = tok;
}

void
lwkt_gettoken(lwkt_token_t tok)
{
	thread_t td = curthread;

	crit_enter();
	push(td, tok);
	while (!take(tok, td)) {
		tok->t_collisions++;
		lwkt_yield();		/* pick() runs us again only with every token acquired */
	}
	crit_exit();
}

bool
lwkt_trytoken(lwkt_token_t tok)
{
	thread_t td = curthread;
	bool ok;

	crit_enter();
	ok = take(tok, td);
	if (ok)
		push(td, tok);
	crit_exit();
	return ok;
}

void
lwkt_reltoken(lwkt_token_t tok)
{
	thread_t td = curthread;
	bool still = false;

	crit_enter();
	KASSERT(td->td_toks_count > 0 && td->td_toks[td->td_toks_count - 1] == tok,
	    "lwkt_reltoken: not the most recently acquired token");
	td->td_toks_count--;
	for (int i = 0; i < td->td_toks_count; i++)
		still |= td->td_toks[i] == tok;		/* taken recursively: keep it */
	if (!still)
		drop(tok, td);
	crit_exit();
}

bool
lwkt_token_held(lwkt_token_t tok)
{
	return tok->t_ref == curthread;
}

void
lwkt_token_release_all(thread_t td)
{
	for (int i = 0; i < td->td_toks_count; i++)
		drop(td->td_toks[i], td);
}

/*
 * lwkt_token_acquire_all: take every token of td, or none (false) if a thread on another CPU
 * holds one (those taken meanwhile go back).
 */
bool
lwkt_token_acquire_all(thread_t td)
{
	for (int i = 0; i < td->td_toks_count; i++) {
		if (!take(td->td_toks[i], td)) {
			td->td_toks[i]->t_collisions++;
			for (int j = 0; j < i; j++)
				drop(td->td_toks[j], td);
			return false;
		}
	}
	return true;
}
