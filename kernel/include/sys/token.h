/*
 * Serializing tokens, with DragonFly's meaning: a token is held only while its holder runs.
 * When the holder blocks (or yields), its tokens are released; the scheduler reacquires them
 * before the holder runs again. So a token serializes code between blocking points, never
 * across one: after anything that may block, re-check what the token protects.
 */
#ifndef _SYS_TOKEN_H_
#define _SYS_TOKEN_H_

#include <sys/types.h>

struct thread;

struct lwkt_token {
	struct thread	*t_ref;		/* the running holder, or NULL */
	const char	*t_desc;
	uint64_t	t_collisions;	/* times a thread had to wait for it */
};
typedef struct lwkt_token *lwkt_token_t;

#define LWKT_TOKEN_INITIALIZER(name)	{ NULL, #name, 0 }

void	lwkt_token_init(lwkt_token_t tok, const char *desc);
void	lwkt_gettoken(lwkt_token_t tok);	/* waits (switching) until it is ours */
bool	lwkt_trytoken(lwkt_token_t tok);	/* never waits */
void	lwkt_reltoken(lwkt_token_t tok);	/* the most recently acquired must go first */
bool	lwkt_token_held(lwkt_token_t tok);	/* by the calling thread */

/* Used by the scheduler only. */
void	lwkt_token_release_all(struct thread *td);
bool	lwkt_token_acquire_all(struct thread *td);

#endif
