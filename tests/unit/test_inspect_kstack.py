"""The inspector reads kernel addresses above RAM (the kernel stacks, where a synchronous call's
message or a wait's state lives) through the kernel's own page tables
(toolchain/inspect/program.py: add_kernel_mapped_segment). Before, any such object on a list
made the whole snapshot fail ("could not find memory segment")."""
import struct

import pytest

from toolchain.inspect import program as program_mod
from toolchain.inspect.memory import Memory

PAGE = 4096
PDIR, PT, FRAME = 0x1000, 0x2000, 0x3000
STACK_VA = 0x3f800000 + 2 * PAGE           # a stack page, above the kstack region's first guard


class ArrayMemory(Memory):
    def __init__(self, data: bytearray):
        super().__init__(len(data))
        self.data = data

    def _fetch_page(self, base: int) -> bytes:
        return bytes(self.data[base:base + PAGE])


def guest() -> ArrayMemory:
    ram = bytearray(16 * PAGE)
    struct.pack_into("<I", ram, PDIR + (STACK_VA >> 22) * 4, PT | 0x3)            # present, writable
    struct.pack_into("<I", ram, PT + ((STACK_VA >> 12) & 0x3ff) * 4, FRAME | 0x3)
    ram[FRAME + 0x10:FRAME + 0x18] = b"on-stack"
    return ArrayMemory(ram)


def test_a_stack_address_reads_through_the_kernel_page_tables(monkeypatch):
    drgn = pytest.importorskip("drgn")
    monkeypatch.setattr(program_mod, "kernel_pdir_address", lambda kernel: PDIR)
    prog = drgn.Program(drgn.Platform(drgn.Architecture.I386, drgn.PlatformFlags.IS_LITTLE_ENDIAN))
    memory = guest()
    program_mod.add_kernel_mapped_segment(prog, memory, None)
    assert prog.read(STACK_VA + 0x10, 8) == b"on-stack"
    with pytest.raises(drgn.FaultError):            # the guard page below it: unmapped
        prog.read(STACK_VA - PAGE, 4)


def test_no_kernel_pdir_symbol_adds_nothing(monkeypatch):
    drgn = pytest.importorskip("drgn")
    monkeypatch.setattr(program_mod, "kernel_pdir_address", lambda kernel: None)
    prog = drgn.Program(drgn.Platform(drgn.Architecture.I386, drgn.PlatformFlags.IS_LITTLE_ENDIAN))
    program_mod.add_kernel_mapped_segment(prog, guest(), None)
    with pytest.raises(drgn.FaultError):
        prog.read(STACK_VA, 4)
