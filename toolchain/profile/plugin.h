/*
 * What the files of the profile plugin share (docs/profile.md): plugin.c (QEMU's callbacks,
 * the window, the counts, the output), plugin_stacks.c (calling contexts and shadow stacks),
 * plugin_tables.c (a hash table, sorted address lists and their file), which the per-CPU
 * counter (cpus.c) uses too.
 */
#ifndef DAMSELFLY_PROFILE_PLUGIN_H
#define DAMSELFLY_PROFILE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_DEPTH	1024		/* deeper shadow stacks lose their oldest frames */

enum kind { K_OTHER, K_CALL, K_RET, K_INT, K_IRET, K_HLT, K_START, K_STOP };

struct addrs {				/* a list of guest addresses, sorted by addrs_sort */
	uint64_t	*v;
	size_t		n, cap;
};

struct insn;

struct block {				/* one translation of a block */
	uint32_t	id;
	uint32_t	n;		/* instructions */
	uint64_t	vaddr;
	uint64_t	host;		/* host address of its first byte: tells physical copies apart */
	uint8_t		*bytes;
	uint32_t	nbytes;
	bool		used;		/* counted, or the entry of a written context */
	struct insn	*insns;
	struct block	*next;		/* all blocks, newest first */
};

struct insn {
	struct block	*block;
	uint64_t	vaddr;
	uint64_t	target;		/* a direct call's destination, else 0 */
	uint16_t	idx;
	uint8_t		size;
	uint8_t		kind;
};

struct node {				/* a calling context */
	uint32_t	id;
	char		kind;		/* R: a stack's root, C: a call, T: a trap or interrupt */
	struct node	*parent;
	uint64_t	entry;		/* the first instruction's address; 0: unknown */
	uint64_t	host;		/* its host address (0: unknown) */
	struct block	*entry_block;	/* the block that began there (NULL: unknown) */
	bool		used;
};

struct cell {				/* the counts of one block in one context */
	struct node	*node;
	struct block	*block;
	uint64_t	counts[];
};

struct frame {
	uint64_t	slot;		/* physical address of the return address; 0 for traps */
	struct node	*caller;
};

struct stack {
	struct frame	f[MAX_DEPTH];
	uint32_t	depth;
	struct node	*node;		/* the context running now */
};

struct vcpu {
	const struct insn *last;	/* the instruction executed last */
	uint64_t	slot;		/* where the last call pushed or ret popped */
	bool		slot_valid;
	struct stack	*stack;
	struct cell	*cell;		/* the cell counted last */
};

/* A hash table of pointers by 64-bit key (open addressing, linear probing). */
struct table {
	uint64_t	*keys;
	void		**vals;
	size_t		cap, len;
};

/* plugin_tables.c */
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t size);
uint64_t mix(uint64_t a, uint64_t b);
void	*table_get(const struct table *t, uint64_t key);
void	table_put(struct table *t, uint64_t key, void *val);
void	*table_take(struct table *t, uint64_t key);
void	addrs_add(struct addrs *a, uint64_t vaddr);
void	addrs_sort(struct addrs *a);
bool	addrs_has(const struct addrs *a, uint64_t vaddr);
struct plugin_info;
int	read_plugin_args(const char *who, const struct plugin_info *info, int argc, char **argv,
	    const char **out, const char **addrs, const char *flag, bool *flag_set);
int	read_addr_lists(const char *who, const char *path, const char *const *words,
	    struct addrs **lists, int n);

/* plugin_stacks.c */
extern uint64_t stack_resets;		/* stacks started afresh */
void	enter_block(struct vcpu *v, struct block *b, bool vector);
uint32_t context_count(void);
struct node *context_by_id(uint32_t id);

#endif
