"""A drgn Program over guest memory with the kernel's DWARF types and symbols."""
from __future__ import annotations

from pathlib import Path

from .memory import Memory
from ..errors import ToolchainError


class InspectError(ToolchainError):
    """Inspection cannot go on; the message says what to do."""


def _drgn():
    try:
        import drgn
    except ImportError:
        raise InspectError("drgn is not installed: run `./go list-tests` once (it installs the pinned "
                           "Python packages of pyproject.toml), or `.venv/bin/pip install drgn==0.3.0`") from None
    return drgn


def load_range(kernel: Path) -> tuple[int, int]:
    """[lowest, highest) virtual address of the kernel's PT_LOAD segments."""
    from elftools.elf.elffile import ELFFile
    with open(kernel, "rb") as f:
        segs = [(s["p_vaddr"], s["p_vaddr"] + s["p_memsz"]) for s in ELFFile(f).iter_segments()
                if s["p_type"] == "PT_LOAD"]
    return min(lo for lo, _ in segs), max(hi for _, hi in segs)


def check_kernel_matches(memory: Memory, kernel: Path) -> None:
    """The kernel ELF's first page (its headers, inside the first PT_LOAD) is what the guest holds."""
    lo, _ = load_range(kernel)
    with open(kernel, "rb") as f:
        want = f.read(4096)
    if memory.read(lo, len(want)) != want:
        raise InspectError(f"the guest's memory at {lo:#x} does not hold {kernel}: was the kernel rebuilt "
                           "since this guest booted (or this dump was taken)? Boot again, or pass the right --kernel")


KERNEL_VA_TOP = 0x40000000    # USER_BASE: the kernel's virtual space ends where user space begins


def kernel_pdir_address(kernel: Path) -> int | None:
    """The address of the kernel's page directory (vm/pmap.c's kernel_pdir), from its symbol table."""
    from elftools.elf.elffile import ELFFile
    with open(kernel, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        found = symtab.get_symbol_by_name("kernel_pdir") if symtab else None
        return found[0]["st_value"] if found else None


def add_kernel_mapped_segment(prog, memory: Memory, kernel: Path) -> None:
    """Kernel virtual addresses above RAM (the kernel stacks: vm/kstack.c maps them there, each
    above an unmapped guard) read through the kernel's own page tables: a call's message or a
    wait's state kept on a thread's stack is then readable like any other kernel object. An
    unmapped page (a guard) reads as a fault, as drgn expects."""
    from .pagetable import AddressSpace, UnmappedError
    pdir = kernel_pdir_address(kernel)
    if pdir is None or memory.size >= KERNEL_VA_TOP:
        return
    space = AddressSpace(memory.read, pdir, user=False)

    def read(address: int, count: int, offset: int, physical: bool) -> bytes:
        try:
            return space.read(address, count)
        except UnmappedError as e:
            raise prog_fault(address) from e

    prog.add_memory_segment(memory.size, KERNEL_VA_TOP - memory.size, read, False)


def prog_fault(address: int):
    drgn = _drgn()
    return drgn.FaultError("kernel address not mapped", address)


def make_program(memory: Memory, kernel: Path):
    """drgn.Program for an i386 Damselfly guest: memory from `memory`, types and symbols from `kernel`.

    The kernel identity-maps RAM, so the same reader serves virtual and physical addresses. The ELF
    is loaded as an extra module covering its PT_LOAD range: drgn then uses its addresses as they
    are (bias 0). As the main module without a build ID, drgn 0.3.0 computed a wrong bias.
    """
    drgn = _drgn()
    prog = drgn.Program(drgn.Platform(drgn.Architecture.I386, drgn.PlatformFlags.IS_LITTLE_ENDIAN))

    def read(address: int, count: int, offset: int, physical: bool) -> bytes:
        return memory.read(address, count)

    prog.add_memory_segment(0, memory.size, read, False)
    prog.add_memory_segment(0, memory.size, read, True)
    add_kernel_mapped_segment(prog, memory, kernel)
    module = prog.extra_module("kernel", create=True)
    module.address_range = load_range(kernel)
    module.try_file(str(kernel), force=True)
    if module.debug_file_path is None:
        raise InspectError(f"drgn found no DWARF in {kernel}: the kernel must be built with -g (toolchain/build.py)")
    return prog
