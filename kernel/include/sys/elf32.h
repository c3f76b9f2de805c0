/* The parts of the ELF32 format the program loader reads. */
#ifndef _SYS_ELF32_H_
#define _SYS_ELF32_H_
#include <sys/types.h>

#define ELF_MAGIC	0x464c457fu	/* "\177ELF" little-endian */
#define ELFCLASS32	1
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_386		3
#define PT_LOAD		1
#define PF_W		2

struct elf32_ehdr {
	uint32_t	e_magic;
	uint8_t		e_class, e_data, e_version, e_osabi, e_pad[8];
	uint16_t	e_type, e_machine;
	uint32_t	e_version2, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t	e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t	p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
#endif
