/* The multiboot v1 information structure, as far as Damselfly reads it. */
#ifndef _MACHINE_MULTIBOOT_H_
#define _MACHINE_MULTIBOOT_H_

#include <sys/types.h>

#define MULTIBOOT_BOOTLOADER_MAGIC	0x2BADB002
#define MBI_MEMORY	(1 << 0)
#define MBI_CMDLINE	(1 << 2)
#define MBI_MODS	(1 << 3)
#define MBI_MMAP	(1 << 6)

struct multiboot_info {
	uint32_t	flags;
	uint32_t	mem_lower, mem_upper;	/* KiB below 1 MiB, KiB above 1 MiB */
	uint32_t	boot_device;
	uint32_t	cmdline;
	uint32_t	mods_count, mods_addr;
	uint32_t	syms[4];
	uint32_t	mmap_length, mmap_addr;
};

struct multiboot_mod {
	uint32_t	mod_start, mod_end;
	uint32_t	string;
	uint32_t	reserved;
};

struct multiboot_mmap {
	uint32_t	size;		/* of the rest of this entry */
	uint64_t	addr, len;
	uint32_t	type;		/* 1 = available RAM */
} __attribute__((packed));

#endif
