/*
 * The stdio lock: one lock for every stream, taken by each public stdio call, so that threads
 * on several vCPUs neither corrupt a stream's buffer nor interleave the pieces of one printf.
 * It is a sleeping lock (a cr_mutex): a call holding it may park in write or read. Recursive,
 * since stdio calls call each other (puts calls fputs). Free while the program has one thread.
 */
#include <stdio.h>
#include <cr/sync.h>
#include <cr/thread.h>

static struct cr_mutex stdio_mx;
static cr_thread_t stdio_owner;
static int stdio_depth;

void
cr_stdio_init(void)
{
	cr_mutex_init(&stdio_mx);
}

void
cr_stdio_lock(void)
{
	cr_thread_t td;

	if (!cr_threaded)
		return;
	if (stdio_owner == (td = cr_curthread)) {	/* only td itself can have set it */
		stdio_depth++;
		return;
	}
	cr_mutex_lock(&stdio_mx);
	stdio_owner = td;
	stdio_depth = 1;
}

void
cr_stdio_unlock(void)
{
	if (!cr_threaded || stdio_owner != cr_curthread)
		return;
	if (--stdio_depth == 0) {
		stdio_owner = NULL;
		cr_mutex_unlock(&stdio_mx);
	}
}
