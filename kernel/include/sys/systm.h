/* The kernel's everyday functions, grouped by the file that defines them (xv6's defs.h idea). */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>
#include <stdarg.h>
#include <lib/format.h>
#include <abi/time.h>

/* kern/kern_console.c */
int	printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	vprintf(const char *fmt, va_list ap);
void	console_write(const char *buf, size_t len);

/* kern/kern_shutdown.c: panics */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
void	backtrace(uint32_t ebp);
void	backtrace_from(uint32_t ebp, int first);
__attribute__((noreturn)) void panic_stop(void);
#define KASSERT(cond, msg)						\
	do { if (!(cond)) panic("assertion \"%s\" failed: %s at %s:%d", \
	    #cond, (msg), __FILE__, __LINE__); } while (0)

/*
 * kern/kern_shutdown.c: the verdict the harness reads as QEMU's exit status. An enum, like every
 * fact the host tools read: they take it from the kernel's DWARF (docs/layout.md).
 */
enum shutdown_verdict {
	SHUTDOWN_PASS = 0,	/* QEMU exits 1 */
	SHUTDOWN_FAIL = 1,	/* QEMU exits 3 */
	SHUTDOWN_PANIC = 2,	/* QEMU exits 5 (after pvpanic) */
};
__attribute__((noreturn)) void shutdown(int verdict);

/* kern/kern_cmdline.c */
void	cmdline_init(const char *cmdline);
const char *cmdline(void);
const char *cmdline_get(const char *key);	/* value of key=value, or NULL */
bool	cmdline_flag(const char *key);		/* key or key=... present */

/* kern/init_main.c */
extern uint32_t phys_mem_top;

/* arch/i386/rtc.c */
extern uint64_t boot_epoch_seconds;
void	rtc_init(void);

/* kern/sys_generic.c */
void	sleep_init(void);
int64_t	clock_ns_at(int clock, uint64_t ticks);	/* clock's time at a tick, ns; -1: no clock */
struct timespec realtime_at(uint64_t ticks);		/* the realtime clock's time at a tick */

#endif
