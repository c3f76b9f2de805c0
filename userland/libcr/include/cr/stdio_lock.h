/* The stdio lock (stdio/lock.c): every public stdio call runs under it once threads exist. */
#ifndef _CR_STDIO_LOCK_H_
#define _CR_STDIO_LOCK_H_

void	cr_stdio_init(void);
void	cr_stdio_lock(void);
void	cr_stdio_unlock(void);

#endif
