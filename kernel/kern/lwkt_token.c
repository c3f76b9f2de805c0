/*
 * Serializing tokens (sys/token.h). A thread's tokens are listed in td_toks; lwkt_switch
 * releases them all when the thread is switched out, and pick() reacquires them all before it
 * runs again, passing over a thread whose token another running thread holds. With one CPU only
 * the running thread ever holds tokens, so taking one never waits; the loop in lwkt_gettoken is
 * for more CPUs.
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
	while (tok->t_ref != NULL && tok->t_ref != td) {
		tok->t_collisions++;
		lwkt_yield();		/* pick() runs us again only with every token acquired */
	}
	tok->t_ref = td;
	crit_exit();
}

bool
lwkt_trytoken(lwkt_token_t tok)
{
	thread_t td = curthread;
	bool ok;

	crit_enter();
	ok = tok->t_ref == NULL || tok->t_ref == td;
	if (ok) {
		push(td, tok);
		tok->t_ref = td;
	}
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
		tok->t_ref = NULL;
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
		if (td->td_toks[i]->t_ref == td)
			td->td_toks[i]->t_ref = NULL;
}

/* lwkt_token_acquire_all: take every token of td, or none (false) if one is held by another. */
bool
lwkt_token_acquire_all(thread_t td)
{
	for (int i = 0; i < td->td_toks_count; i++)
		if (td->td_toks[i]->t_ref != NULL && td->td_toks[i]->t_ref != td)
			return false;
	for (int i = 0; i < td->td_toks_count; i++)
		td->td_toks[i]->t_ref = td;
	return true;
}
