/*
 * The QEMU TCG plugin behind `invoke bench`'s per-CPU figures (docs/smp.md, "How per-CPU
 * instructions are counted"): it counts the guest instructions each CPU executes inside every
 * per-CPU window, the windows a benchmark times with kbench_start_percpu() and
 * kbench_stop_percpu() (sys/kbench.h: marks of kind 3 and 4 in .kbench_window). Under -icount
 * the TSC counts the instructions of every CPU together; this tells them apart.
 *
 * How it counts, cheaply enough to stay loaded for a whole benchmark run: every instruction
 * adds one to a single counter inline (no call), and every translation block calls back at its
 * start with the index of the CPU running it. QEMU runs every vCPU on one host thread under
 * -icount and switches vCPUs only between blocks, so the instructions counted since the last
 * block that began on another CPU are all this CPU's: a change of CPU hands them to the CPU
 * that ran them. The window's rdtscs call back instead of counting inline, and count
 * themselves: from the instruction after the start rdtsc to the stop rdtsc, included, as the
 * TSC difference counts (less the time every CPU was halted, when no instruction runs).
 * hlt instructions call back too, to say which CPU halted in a window.
 *
 * Arguments (-plugin build/profile/cpus.so,out=PATH,addrs=PATH):
 *   out      the file written when QEMU exits (toolchain/profile/windows.py reads it):
 *              damselfly-cpus 1
 *              cpus N
 *              window START_CPU STOP_CPU COUNT0,COUNT1,... HLTS0,HLTS1,...   (one per window)
 *              state idle|open nested=N stray_stops=N
 *              end
 *   addrs    lines "start ADDR" and "stop ADDR": the per-CPU windows' rdtscs, ADDR in hex
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "qemu_plugin_api.h"

PLUGIN_EXPORT int qemu_plugin_version = PLUGIN_API_VERSION;

#define FORMAT_VERSION	1

struct window {
	int		start_cpu, stop_cpu;
	uint64_t	*begin;		/* each CPU's total at the start */
	uint64_t	*count;		/* each CPU's instructions in the window */
	uint64_t	*hlts;		/* each CPU's hlt instructions in the window */
};

static const char *out_path;
static struct addrs starts, stops;
static int ncpu;
static uint64_t executed;		/* every instruction of every CPU, added inline */
static uint64_t flushed;		/* executed, as far as it is handed to a CPU */
static int running = -1;		/* the CPU whose block began last */
static uint64_t *total;			/* each CPU's instructions since QEMU started */
static struct window *windows;
static size_t nwindows, cap;
static struct window *open_window;
static uint64_t nested, stray_stops;

/* flush: hand the instructions counted since the last flush to the CPU that ran them. */
static inline void
flush(void)
{
	if (running >= 0)
		total[running] += executed - flushed;
	flushed = executed;
}

static void
on_block(unsigned int cpu, void *udata)
{
	(void)udata;
	if ((int)cpu != running) {
		flush();
		running = cpu;
	}
}

static void
on_start(unsigned int cpu, void *udata)
{
	(void)udata;
	executed++;			/* the start rdtsc itself: not in the window */
	flush();
	if (open_window != NULL) {
		nested++;
		return;
	}
	if (nwindows == cap) {
		cap = cap ? 2 * cap : 16;
		windows = xrealloc(windows, cap * sizeof(*windows));
	}
	struct window *w = &windows[nwindows++];
	w->start_cpu = cpu;
	w->stop_cpu = -1;
	w->begin = xcalloc(ncpu, sizeof(uint64_t));
	w->count = xcalloc(ncpu, sizeof(uint64_t));
	w->hlts = xcalloc(ncpu, sizeof(uint64_t));
	memcpy(w->begin, total, ncpu * sizeof(uint64_t));
	open_window = w;
}

static void
on_stop(unsigned int cpu, void *udata)
{
	(void)udata;
	executed++;			/* the stop rdtsc itself: in the window */
	flush();
	struct window *w = open_window;
	if (w == NULL) {
		stray_stops++;
		return;
	}
	for (int i = 0; i < ncpu; i++)
		w->count[i] = total[i] - w->begin[i];
	w->stop_cpu = cpu;
	open_window = NULL;
}

static void
on_hlt(unsigned int cpu, void *udata)
{
	(void)udata;
	executed++;
	if (open_window != NULL)
		open_window->hlts[cpu]++;
}

static void
on_translate(plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, PLUGIN_CB_NO_REGS, NULL);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *b = qemu_plugin_insn_data(qi);
		size_t size = qemu_plugin_insn_size(qi);
		uint64_t vaddr = qemu_plugin_insn_vaddr(qi);

		if (size == 2 && b[0] == 0x0f && b[1] == 0x31 && addrs_has(&starts, vaddr))
			qemu_plugin_register_vcpu_insn_exec_cb(qi, on_start, PLUGIN_CB_NO_REGS, NULL);
		else if (size == 2 && b[0] == 0x0f && b[1] == 0x31 && addrs_has(&stops, vaddr))
			qemu_plugin_register_vcpu_insn_exec_cb(qi, on_stop, PLUGIN_CB_NO_REGS, NULL);
		else if (size == 1 && b[0] == 0xf4)
			qemu_plugin_register_vcpu_insn_exec_cb(qi, on_hlt, PLUGIN_CB_NO_REGS, NULL);
		else
			qemu_plugin_register_vcpu_insn_exec_inline(qi, PLUGIN_INLINE_ADD_U64, &executed, 1);
	}
}

static void
write_list(FILE *f, const uint64_t *v)
{
	for (int i = 0; i < ncpu; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", v[i]);
}

static void
on_qemu_exit(plugin_id_t id, void *udata)
{
	char tmp[4096];
	FILE *f;

	(void)id;
	(void)udata;
	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "cpus plugin: cannot write %s\n", tmp);
		return;
	}
	fprintf(f, "damselfly-cpus %d\ncpus %d\n", FORMAT_VERSION, ncpu);
	for (size_t i = 0; i < nwindows; i++) {
		struct window *w = &windows[i];
		if (w == open_window)
			break;
		fprintf(f, "window %d %d ", w->start_cpu, w->stop_cpu);
		write_list(f, w->count);
		fputc(' ', f);
		write_list(f, w->hlts);
		fputc('\n', f);
	}
	fprintf(f, "state %s nested=%" PRIu64 " stray_stops=%" PRIu64 "\nend\n",
	    open_window ? "open" : "idle", nested, stray_stops);
	if (fclose(f) != 0 || rename(tmp, out_path) != 0)
		fprintf(stderr, "cpus plugin: cannot write %s\n", out_path);
}

/* read_addrs: the per-CPU windows' rdtscs, from lines "start|stop HEXADDR". */
static int
read_addrs(const char *path)
{
	static const char *const words[] = { "start", "stop" };
	struct addrs *lists[] = { &starts, &stops };

	return read_addr_lists("cpus plugin", path, words, lists, 2);
}

PLUGIN_EXPORT int
qemu_plugin_install(plugin_id_t id, const struct plugin_info *info, int argc, char **argv)
{
	const char *addrs_path;

	if (read_plugin_args("cpus plugin", info, argc, argv, &out_path, &addrs_path, NULL, NULL) != 0)
		return -1;
	if (read_addrs(addrs_path) != 0)
		return -1;
	ncpu = info->system.max_vcpus;
	total = xcalloc(ncpu, sizeof(uint64_t));
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
