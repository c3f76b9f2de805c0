/*
 * The part of QEMU 7.2's TCG plugin interface that plugin.c and cpus.c use, declared here because Debian
 * ships QEMU's plugin support (the exported qemu_plugin_* functions) without its header.
 * Written from the documented ABI (docs/devel/tcg-plugins.rst of QEMU 7.2, API version 1):
 * enum values, structure layouts and signatures must match that release exactly; see
 * docs/profile.md for how this was checked. Nothing here is QEMU's own text.
 */
#ifndef DAMSELFLY_QEMU_PLUGIN_API_H
#define DAMSELFLY_QEMU_PLUGIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The API level this plugin is written against: QEMU 7.2 accepts versions 0 and 1 (7.2 is 1). */
#define PLUGIN_API_VERSION	1

#define PLUGIN_EXPORT	__attribute__((visibility("default")))

typedef uint64_t plugin_id_t;
typedef uint32_t plugin_meminfo_t;

/* What QEMU tells qemu_plugin_install about itself (qemu_info_t). */
struct plugin_info {
	const char	*target_name;
	struct {
		int	min;
		int	cur;
	} version;
	bool		system_emulation;
	union {
		struct {
			int	smp_vcpus;
			int	max_vcpus;
		} system;
	};
};

/* Opaque handles, valid only during the callback that passes them. */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_plugin_hwaddr;

enum plugin_cb_flags {		/* whether a callback reads or writes guest registers */
	PLUGIN_CB_NO_REGS = 0,
	PLUGIN_CB_R_REGS = 1,
	PLUGIN_CB_RW_REGS = 2,
};

enum plugin_mem_rw {		/* which accesses a memory callback sees */
	PLUGIN_MEM_R = 1,
	PLUGIN_MEM_W = 2,
	PLUGIN_MEM_RW = 3,
};

enum plugin_op {		/* what an inline operation does (API 1 has one) */
	PLUGIN_INLINE_ADD_U64 = 0,
};

typedef void (*plugin_udata_cb)(plugin_id_t id, void *userdata);
typedef void (*plugin_vcpu_simple_cb)(plugin_id_t id, unsigned int vcpu_index);
typedef void (*plugin_vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*plugin_vcpu_mem_cb)(unsigned int vcpu_index, plugin_meminfo_t info,
    uint64_t vaddr, void *userdata);
typedef void (*plugin_tb_trans_cb)(plugin_id_t id, struct qemu_plugin_tb *tb);

/* Exported by the plugin: its API level, and its entry point. */
extern PLUGIN_EXPORT int qemu_plugin_version;
PLUGIN_EXPORT int qemu_plugin_install(plugin_id_t id, const struct plugin_info *info, int argc,
    char **argv);

/* Exported by QEMU. */
void	qemu_plugin_register_vcpu_tb_trans_cb(plugin_id_t id, plugin_tb_trans_cb cb);
void	qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
	    plugin_vcpu_udata_cb cb, enum plugin_cb_flags flags, void *userdata);
void	qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, plugin_vcpu_udata_cb cb,
	    enum plugin_cb_flags flags, void *userdata);
void	qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
	    enum plugin_op op, void *ptr, uint64_t imm);
void	qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, plugin_vcpu_mem_cb cb,
	    enum plugin_cb_flags flags, enum plugin_mem_rw rw, void *userdata);
void	qemu_plugin_register_vcpu_idle_cb(plugin_id_t id, plugin_vcpu_simple_cb cb);
void	qemu_plugin_register_atexit_cb(plugin_id_t id, plugin_udata_cb cb, void *userdata);

size_t	qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);	/* API 1: a pointer */
size_t	qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void	*qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn);

bool	qemu_plugin_mem_is_store(plugin_meminfo_t info);
struct qemu_plugin_hwaddr *qemu_plugin_get_hwaddr(plugin_meminfo_t info, uint64_t vaddr);
bool	qemu_plugin_hwaddr_is_io(const struct qemu_plugin_hwaddr *haddr);
uint64_t qemu_plugin_hwaddr_phys_addr(const struct qemu_plugin_hwaddr *haddr);

void	qemu_plugin_outs(const char *string);

#endif
