/*
 * The profile plugin's calling contexts and shadow stacks (plugin.h, docs/profile.md). A
 * context is a node of the calling-context tree: a root, a call or a trap entered at an
 * address. Each guest stack has a shadow stack of frames (the physical address of the slot
 * holding the return address, and the context to return to), updated at the start of each
 * translated block, since every call, ret, int and iret ends one:
 *
 *   call   push a frame at the slot its return address went to; enter the callee's context
 *   ret    pop to the frame whose slot it loads from
 *   int, or a block at a trap vector (an exception or interrupt): push a trap frame
 *   iret   pop to the topmost trap frame; with none (a process's first entry), a new stack
 *
 * A ret from a slot the running shadow stack does not hold is a stack switch (cpu_switch_to,
 * cr_switch): the running stack is put aside under its top frame's slot, where the ret that
 * resumes it will load from, and the one put aside under the loaded slot resumes, or a new one
 * starts (a new thread's first run, on a stack built by hand).
 */
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

uint64_t stack_resets;
static struct table node_table, suspended;
static struct node **node_list;
static uint32_t nnodes, node_cap;

uint32_t
context_count(void)
{
	return nnodes;
}

/* context_by_id: the context numbered id (numbers count up from 0; a parent's comes first). */
struct node *
context_by_id(uint32_t id)
{
	return node_list[id];
}

/* context: the child of parent entered at (entry, host) by kind, made on first use. */
static struct node *
context(struct node *parent, char kind, uint64_t entry, uint64_t host, struct block *block)
{
	uint64_t key = mix(mix(parent ? parent->id + 1 : 0, entry), mix(host, (uint64_t)kind));

	for (;;) {		/* probe past collisions of the 64-bit key */
		struct node *n = table_get(&node_table, key);
		if (n == NULL)
			break;
		if (n->parent == parent && n->kind == kind && n->entry == entry && n->host == host)
			return n;
		key = mix(key, 1);
	}
	struct node *n = xcalloc(1, sizeof(*n));
	n->id = nnodes++;
	n->kind = kind;
	n->parent = parent;
	n->entry = entry;
	n->host = host;
	n->entry_block = block;
	table_put(&node_table, key, n);
	if (n->id >= node_cap) {
		node_cap = node_cap ? 2 * node_cap : 4096;
		node_list = xrealloc(node_list, node_cap * sizeof(*node_list));
	}
	node_list[n->id] = n;
	return n;
}

/* root_context: the root of a stack that starts at b. */
static struct node *
root_context(struct block *b)
{
	return context(NULL, 'R', b->vaddr, b->host, b);
}

/* push: a frame returning to the running context, its return address at slot (0: a trap). */
static void
push(struct stack *s, uint64_t slot)
{
	if (s->depth == MAX_DEPTH) {		/* lose the oldest frame */
		memmove(&s->f[0], &s->f[1], (MAX_DEPTH - 1) * sizeof(s->f[0]));
		s->depth--;
	}
	s->f[s->depth].slot = slot;
	s->f[s->depth].caller = s->node;
	s->depth++;
}

/* find_slot: the topmost frame whose return address is at slot, or -1. */
static int
find_slot(const struct stack *s, uint64_t slot)
{
	for (int i = (int)s->depth - 1; i >= 0; i--)
		if (s->f[i].slot == slot)
			return i;
	return -1;
}

/* switch_stack: put the running stack aside and resume the one whose top frame is at slot. */
static struct stack *
switch_stack(struct vcpu *v, uint64_t slot, struct block *b)
{
	struct stack *s = v->stack;

	if (s->depth > 0 && s->f[s->depth - 1].slot != 0) {
		struct stack *old = table_take(&suspended, s->f[s->depth - 1].slot);
		free(old);		/* a thread that died with that slot on top */
		table_put(&suspended, s->f[s->depth - 1].slot, s);
	} else {
		free(s);		/* no ret can resume it */
	}
	s = table_take(&suspended, slot);
	if (s == NULL) {		/* a new thread's first run */
		s = xcalloc(1, sizeof(*s));
		s->node = root_context(b);
		stack_resets++;
	}
	v->stack = s;
	return s;
}

/*
 * enter_block: a block begins: apply what the instruction before it did to the shadow stack
 * (it ended the previous block), then note an interrupt or exception if b starts a trap
 * vector.
 */
void
enter_block(struct vcpu *v, struct block *b, bool vector)
{
	const struct insn *p = v->last;
	struct stack *s = v->stack;
	bool slot_valid = v->slot_valid;

	v->slot_valid = false;
	if (s->node == NULL)		/* the very first block */
		s->node = root_context(b);
	if (p != NULL && p->kind == K_CALL && slot_valid) {
		push(s, v->slot);
		/* An interrupt before the callee's first block: its entry is the call's target. */
		s->node = vector ? context(s->node, 'C', p->target, 0, NULL)
		    : context(s->node, 'C', b->vaddr, b->host, b);
	} else if (p != NULL && p->kind == K_RET && slot_valid) {
		int i = find_slot(s, v->slot);
		if (i < 0) {
			s = switch_stack(v, v->slot, b);
			i = find_slot(s, v->slot);
		}
		if (i >= 0) {
			s->node = s->f[i].caller;
			s->depth = i;
		}
	} else if (p != NULL && p->kind == K_IRET) {
		int i = (int)s->depth - 1;
		while (i >= 0 && s->f[i].slot != 0)
			i--;
		if (i >= 0) {
			s->node = s->f[i].caller;
			s->depth = i;
		} else {		/* the first entry to a process: a new stack */
			s->depth = 0;
			s->node = root_context(b);
			stack_resets++;
		}
	}
	if (vector) {			/* int, exception or interrupt */
		push(s, 0);
		s->node = context(s->node, 'T', b->vaddr, b->host, b);
	}
}
