/*
 * The kernel heap for small objects: power-of-two size classes from 16 to 2048 bytes, each
 * carved from pages of its own; a page goes back to the page allocator when its last object is
 * freed. Out of memory is NULL, for the caller to handle.
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/types.h>

#define KMALLOC_MAX	2048

void	*kmalloc(size_t size);		/* uninitialised; NULL when size is 0, too big, or memory is out */
void	*kzalloc(size_t size);		/* zeroed */
void	kfree(void *ptr);		/* NULL is fine */

struct kmalloc_stats {
	uint64_t	allocs;
	uint64_t	frees;
	uint64_t	failures;
	uint32_t	pages;		/* pages the heap holds now */
	uint32_t	in_use;		/* objects allocated now */
};
extern struct kmalloc_stats kmalloc_stats;

#endif
