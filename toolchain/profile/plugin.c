/*
 * The QEMU TCG plugin behind `invoke profile` (docs/profile.md): QEMU's callbacks, the window,
 * the counts and the output; plugin_stacks.c keeps the calling contexts. It counts every guest
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
 * The calling context of each instruction comes from plugin_stacks.c, which the memory
 * callbacks of calls and rets feed with the physical address of their stack slot.
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

#include "plugin.h"
#include "qemu_plugin_api.h"

PLUGIN_EXPORT int qemu_plugin_version = PLUGIN_API_VERSION;

#define FORMAT_VERSION	1

enum window { W_IDLE, W_COUNTING, W_DONE };
static const char *window_names[] = { "idle", "counting", "done" };

static const char *out_path;
static struct addrs vectors, starts, stops;
static struct vcpu *vcpus;
static int nvcpus;
static struct block *blocks;
static uint32_t nblocks;
static struct table cell_table;
static struct cell **cell_list;
static size_t ncells, cell_cap;

static enum window window;
static uint64_t total, hlts, idles, extra_windows, nested_starts;

/* classify: what the instruction at bytes does to the window or the shadow stack. */
static enum kind
classify(const uint8_t *b, size_t size, uint64_t vaddr, uint64_t *target)
{
	size_t i = 0;

	*target = 0;
	if (size == 2 && b[0] == 0x0f && b[1] == 0x31)		/* rdtsc */
		return addrs_has(&starts, vaddr) ? K_START : addrs_has(&stops, vaddr) ? K_STOP : K_OTHER;
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
		cell_list = xrealloc(cell_list, cell_cap * sizeof(*cell_list));
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
	for (uint32_t i = 0; i < context_count(); i++) {
		struct node *n = context_by_id(i);
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
		enter_block(v, in->block, addrs_has(&vectors, in->block->vaddr));
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

/* read_addrs: the trap vectors and the window's rdtscs, from lines "WORD HEXADDR". */
static int
read_addrs(const char *path)
{
	static const char *const words[] = { "vector", "start", "stop" };
	struct addrs *lists[] = { &vectors, &starts, &stops };

	return read_addr_lists("profile plugin", path, words, lists, 3);
}

PLUGIN_EXPORT int
qemu_plugin_install(plugin_id_t id, const struct plugin_info *info, int argc, char **argv)
{
	const char *addrs_path;
	bool from_reset = false;

	if (read_plugin_args("profile plugin", info, argc, argv, &out_path, &addrs_path, "from_reset=on",
	    &from_reset) != 0)
		return -1;
	if (from_reset)
		window = W_COUNTING;
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
