/*
 * The QEMU TCG plugin behind `invoke profile` (docs/profile.md). It counts every guest
 * instruction executed inside one benchmark's timed window, per calling context and instruction,
 * and writes the counts, the calling-context tree and the bytes of every block it counted to a
 * text file that toolchain/profile/ reads. It knows nothing of symbols: the host attributes
 * each block to the kernel or a program by comparing its bytes with the ELF files.
 *
 * The window: the host lists the addresses of the benchmarks' start and stop TSC readings
 * (kbench_start and kbench_stop in sys/kbench.h record them in .kbench_window). Counting
 * begins after a start rdtsc and ends with the next stop rdtsc, included: in -icount mode each
 * reading counts the instructions executed up to and including itself, so the count is exactly
 * the TSC difference, less the time the CPU spent halted. With from_reset=on the window opens at
 * the first instruction instead (boot.first_result times from reset).
 *
 * Calling contexts: a shadow stack per guest stack, updated at the start of each translated
 * block, since every call, ret, int and iret ends one. A call pushes (the physical address of
 * the slot its return address went to, the caller's context); a ret pops to the frame whose
 * slot it loads from; an int, or a block that starts at a trap vector, pushes a trap frame that
 * iret pops. A ret from a slot the running shadow stack does not hold is a stack switch
 * (cpu_switch_to, cr_switch): the running stack is put aside under its top frame's slot and the
 * one put aside under the loaded slot resumes, or a new one starts (a new thread's first run).
 *
 * Arguments (-plugin build/profile/profile.so,out=PATH,addrs=PATH[,from_reset=on]):
 *   out      the file to write (at the window's end, and again at exit)
 *   addrs    lines "vector ADDR" (trap vector entries), "start ADDR" and "stop ADDR" (the
 *            window's rdtscs), ADDR in hexadecimal
 *
 * QEMU runs every vCPU on one thread under -icount, so the callbacks never run concurrently.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

PLUGIN_EXPORT int qemu_plugin_version = PLUGIN_API_VERSION;

#define FORMAT_VERSION	1
#define MAX_DEPTH	1024		/* deeper shadow stacks lose their oldest frames */

enum kind { K_OTHER, K_CALL, K_RET, K_INT, K_IRET, K_HLT, K_START, K_STOP };

struct addrs {				/* a sorted list of guest addresses */
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

enum window { W_IDLE, W_COUNTING, W_DONE };
static const char *window_names[] = { "idle", "counting", "done" };

static const char *out_path;
static struct addrs vectors, starts, stops;
static struct vcpu *vcpus;
static int nvcpus;
static struct block *blocks;
static uint32_t nblocks, nnodes;
static struct table node_table, cell_table, suspended;
static struct node **node_list;
static size_t node_cap;
static struct cell **cell_list;
static size_t ncells, cell_cap;

static enum window window;
static uint64_t total, hlts, idles, stack_resets, extra_windows, nested_starts;

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "profile plugin: out of memory\n");
		abort();
	}
	return p;
}

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));

	return h ^ (h >> 29);
}

static void table_put(struct table *t, uint64_t key, void *val);

static void
table_grow(struct table *t)
{
	struct table old = *t;

	t->cap = old.cap ? old.cap * 2 : 1024;
	t->keys = xcalloc(t->cap, sizeof(*t->keys));
	t->vals = xcalloc(t->cap, sizeof(*t->vals));
	t->len = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.vals[i] != NULL)
			table_put(t, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* table_slot: the index of key in t, or of the empty place where it would go. */
static size_t
table_slot(const struct table *t, uint64_t key)
{
	size_t i = mix(key, 0) & (t->cap - 1);

	while (t->vals[i] != NULL && t->keys[i] != key)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void *
table_get(const struct table *t, uint64_t key)
{
	return t->cap ? t->vals[table_slot(t, key)] : NULL;
}

static void
table_put(struct table *t, uint64_t key, void *val)
{
	if (2 * (t->len + 1) > t->cap)
		table_grow(t);
	size_t i = table_slot(t, key);
	if (t->vals[i] == NULL)
		t->len++;
	t->keys[i] = key;
	t->vals[i] = val;
}

/* table_take: remove key from t (reinserting the run after it), returning its value. */
static void *
table_take(struct table *t, uint64_t key)
{
	if (!t->cap)
		return NULL;
	size_t i = table_slot(t, key);
	void *val = t->vals[i];
	if (val == NULL)
		return NULL;
	t->vals[i] = NULL;
	t->len--;
	for (size_t j = (i + 1) & (t->cap - 1); t->vals[j] != NULL; j = (j + 1) & (t->cap - 1)) {
		uint64_t k = t->keys[j];
		void *v = t->vals[j];
		t->vals[j] = NULL;
		t->len--;
		table_put(t, k, v);
	}
	return val;
}

static bool
has(const struct addrs *a, uint64_t vaddr)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a->v[mid] == vaddr)
			return true;
		if (a->v[mid] < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* classify: what the instruction at bytes does to the window or the shadow stack. */
static enum kind
classify(const uint8_t *b, size_t size, uint64_t vaddr, uint64_t *target)
{
	size_t i = 0;

	*target = 0;
	if (size == 2 && b[0] == 0x0f && b[1] == 0x31)		/* rdtsc */
		return has(&starts, vaddr) ? K_START : has(&stops, vaddr) ? K_STOP : K_OTHER;
	while (i < size && b[i] != 0 && strchr("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", b[i]))
		i++;				/* prefixes */
	if (i >= size)
		return K_OTHER;
	switch (b[i]) {
	case 0xe8:
		if (i + 5 == size) {
			int32_t rel;
			memcpy(&rel, b + i + 1, 4);
			*target = (uint32_t)(vaddr + size + rel);
		}
		return K_CALL;
	case 0xff:
		return i + 1 < size && ((b[i + 1] >> 3) & 7) == 2 ? K_CALL : K_OTHER;
	case 0xc3:
	case 0xc2:
		return K_RET;
	case 0xcc:
	case 0xcd:
	case 0xce:
		return K_INT;
	case 0xcf:
		return K_IRET;
	case 0xf4:
		return K_HLT;
	}
	return K_OTHER;
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
		node_list = realloc(node_list, node_cap * sizeof(*node_list));
		if (node_list == NULL)
			abort();
	}
	node_list[n->id] = n;
	return n;
}

static struct node *
root_context(struct block *b)
{
	return context(NULL, 'R', b->vaddr, b->host, b);
}

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
 * (it ended the previous block), then note an interrupt or exception if b is a trap vector.
 */
static void
enter_block(struct vcpu *v, struct block *b)
{
	const struct insn *p = v->last;
	struct stack *s = v->stack;
	bool vector = has(&vectors, b->vaddr);
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

static struct cell *
cell_for(struct node *node, struct block *b)
{
	uint64_t key = mix(node->id, b->id);

	for (;;) {
		struct cell *c = table_get(&cell_table, key);
		if (c == NULL)
			break;
		if (c->node == node && c->block == b)
			return c;
		key = mix(key, 1);
	}
	struct cell *c = xcalloc(1, sizeof(*c) + b->n * sizeof(c->counts[0]));
	c->node = node;
	c->block = b;
	table_put(&cell_table, key, c);
	if (ncells == cell_cap) {
		cell_cap = cell_cap ? 2 * cell_cap : 4096;
		cell_list = realloc(cell_list, cell_cap * sizeof(*cell_list));
		if (cell_list == NULL)
			abort();
	}
	cell_list[ncells++] = c;
	return c;
}

static void
count(struct vcpu *v, const struct insn *in)
{
	struct cell *c = v->cell;

	if (c == NULL || c->block != in->block || c->node != v->stack->node)
		c = v->cell = cell_for(v->stack->node, in->block);
	c->counts[in->idx]++;
	total++;
}

static void
mark_used(struct node *n)
{
	for (; n != NULL && !n->used; n = n->parent) {
		n->used = true;
		if (n->entry_block)
			n->entry_block->used = true;
	}
}

static void
write_hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/* write_profile: the whole profile as text (toolchain/profile/data.py reads it). */
static void
write_profile(void)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "profile plugin: cannot write %s\n", tmp);
		return;
	}
	fprintf(f, "damselfly-profile %d\n", FORMAT_VERSION);
	fprintf(f, "window state=%s total=%" PRIu64 " hlts=%" PRIu64 " idles=%" PRIu64
	    " stack_resets=%" PRIu64 " extra_windows=%" PRIu64 " nested_starts=%" PRIu64 "\n",
	    window_names[window], total, hlts, idles, stack_resets, extra_windows, nested_starts);
	for (size_t i = 0; i < ncells; i++) {
		cell_list[i]->block->used = true;
		mark_used(cell_list[i]->node);
	}
	for (struct block *b = blocks; b != NULL; b = b->next) {
		if (!b->used)
			continue;
		fprintf(f, "block %u %" PRIx64 " %" PRIx64 " ", b->id, b->vaddr, b->host);
		write_hex(f, b->bytes, b->nbytes);
		fputc(' ', f);
		for (uint32_t i = 0; i < b->n; i++)
			fprintf(f, "%s%u", i ? "," : "", b->insns[i].size);
		fputc('\n', f);
	}
	for (uint32_t i = 0; i < nnodes; i++) {
		struct node *n = node_list[i];
		if (n->used)
			fprintf(f, "node %u %d %c %" PRIx64 " %d\n", n->id,
			    n->parent ? (int)n->parent->id : -1, n->kind, n->entry,
			    n->entry_block ? (int)n->entry_block->id : -1);
	}
	for (size_t i = 0; i < ncells; i++) {
		struct cell *c = cell_list[i];
		fprintf(f, "cell %u %u ", c->node->id, c->block->id);
		for (uint32_t j = 0; j < c->block->n; j++)
			fprintf(f, "%s%" PRIu64, j ? "," : "", c->counts[j]);
		fputc('\n', f);
	}
	fprintf(f, "end\n");
	if (fclose(f) != 0 || rename(tmp, out_path) != 0)
		fprintf(stderr, "profile plugin: cannot write %s\n", out_path);
}

static void
on_insn(unsigned int cpu, void *udata)
{
	const struct insn *in = udata;
	struct vcpu *v = &vcpus[cpu];

	if (in->idx == 0)
		enter_block(v, in->block);
	if (in->kind == K_CALL || in->kind == K_RET)
		v->slot_valid = false;		/* its memory callback sets it */
	switch (window) {
	case W_IDLE:
		if (in->kind == K_START)	/* its own reading is not in the difference */
			window = W_COUNTING;
		break;
	case W_COUNTING:
		count(v, in);
		if (in->kind == K_STOP) {
			window = W_DONE;
			write_profile();
		} else if (in->kind == K_START) {
			nested_starts++;
		} else if (in->kind == K_HLT) {
			hlts++;
		}
		break;
	case W_DONE:
		if (in->kind == K_START)
			extra_windows++;
		break;
	}
	v->last = in;
}

/*
 * on_mem: the stack slot of a call's push or a ret's pop. The first matching access of the
 * instruction counts: QEMU 7.2 can also call this for later accesses made by its helpers (an
 * interrupt's pushes right after a call, say) until the block ends.
 */
static void
on_mem(unsigned int cpu, plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	const struct insn *in = udata;
	struct vcpu *v = &vcpus[cpu];

	if (v->slot_valid || v->last != in || qemu_plugin_mem_is_store(info) != (in->kind == K_CALL))
		return;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	v->slot = hw != NULL && !qemu_plugin_hwaddr_is_io(hw) ? qemu_plugin_hwaddr_phys_addr(hw) : vaddr;
	v->slot_valid = true;
}

static void
on_idle(plugin_id_t id, unsigned int cpu)
{
	(void)id;
	(void)cpu;
	if (window == W_COUNTING)
		idles++;
}

static void
on_translate(plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), nbytes = 0;
	struct block *b = xcalloc(1, sizeof(*b));

	(void)id;
	b->id = nblocks++;
	b->n = n;
	b->insns = xcalloc(n ? n : 1, sizeof(*b->insns));
	for (size_t i = 0; i < n; i++)
		nbytes += qemu_plugin_insn_size(qemu_plugin_tb_get_insn(tb, i));
	b->bytes = xcalloc(nbytes ? nbytes : 1, 1);
	b->nbytes = nbytes;
	nbytes = 0;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);
		struct insn *in = &b->insns[i];
		size_t size = qemu_plugin_insn_size(qi);

		memcpy(b->bytes + nbytes, qemu_plugin_insn_data(qi), size);
		in->block = b;
		in->idx = i;
		in->size = size;
		in->vaddr = qemu_plugin_insn_vaddr(qi);
		in->kind = classify(b->bytes + nbytes, size, in->vaddr, &in->target);
		nbytes += size;
		if (i == 0) {
			b->vaddr = in->vaddr;
			b->host = (uint64_t)(uintptr_t)qemu_plugin_insn_haddr(qi);
		}
		qemu_plugin_register_vcpu_insn_exec_cb(qi, on_insn, PLUGIN_CB_NO_REGS, in);
		/* QEMU 7.2 never calls back for loads registered as PLUGIN_MEM_R alone: ask for both. */
		if (in->kind == K_CALL || in->kind == K_RET)
			qemu_plugin_register_vcpu_mem_cb(qi, on_mem, PLUGIN_CB_NO_REGS, PLUGIN_MEM_RW, in);
	}
	b->next = blocks;
	blocks = b;
}

static void
on_qemu_exit(plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	write_profile();
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
add(struct addrs *a, uint64_t vaddr)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (a->v == NULL)
			abort();
	}
	a->v[a->n++] = vaddr;
}

/* read_addrs: the trap vectors and the window's rdtscs, from lines "WORD HEXADDR". */
static int
read_addrs(const char *path)
{
	FILE *f = fopen(path, "r");
	char word[16];
	uint64_t vaddr;
	int line = 0, got;

	if (f == NULL) {
		fprintf(stderr, "profile plugin: cannot read %s\n", path);
		return -1;
	}
	while ((got = fscanf(f, "%15s %" SCNx64, word, &vaddr)) == 2) {
		line++;
		if (strcmp(word, "vector") == 0)
			add(&vectors, vaddr);
		else if (strcmp(word, "start") == 0)
			add(&starts, vaddr);
		else if (strcmp(word, "stop") == 0)
			add(&stops, vaddr);
		else
			break;
	}
	if (got != EOF) {
		fprintf(stderr, "profile plugin: %s:%d: expected 'vector|start|stop HEXADDR'\n", path,
		    line + 1);
		fclose(f);
		return -1;
	}
	fclose(f);
	qsort(vectors.v, vectors.n, sizeof(uint64_t), cmp_u64);
	qsort(starts.v, starts.n, sizeof(uint64_t), cmp_u64);
	qsort(stops.v, stops.n, sizeof(uint64_t), cmp_u64);
	return 0;
}

PLUGIN_EXPORT int
qemu_plugin_install(plugin_id_t id, const struct plugin_info *info, int argc, char **argv)
{
	const char *addrs_path = NULL;

	if (!info->system_emulation) {
		fprintf(stderr, "profile plugin: needs system emulation\n");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0)
			out_path = argv[i] + 4;
		else if (strncmp(argv[i], "addrs=", 6) == 0)
			addrs_path = argv[i] + 6;
		else if (strcmp(argv[i], "from_reset=on") == 0)
			window = W_COUNTING;
		else {
			fprintf(stderr, "profile plugin: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	if (out_path == NULL || addrs_path == NULL) {
		fprintf(stderr, "profile plugin: out= and addrs= are required\n");
		return -1;
	}
	if (read_addrs(addrs_path) != 0)
		return -1;
	nvcpus = info->system.max_vcpus;
	vcpus = xcalloc(nvcpus, sizeof(*vcpus));
	for (int i = 0; i < nvcpus; i++)
		vcpus[i].stack = xcalloc(1, sizeof(struct stack));
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_vcpu_idle_cb(id, on_idle);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
