"""The uthreads view's page-table walker (toolchain/inspect/pagetable.py) against hand-made i386
page directories in a bytearray of 'physical memory', and a user program's DWARF read through it."""
from __future__ import annotations

import struct

import pytest

from toolchain.build import BUILD
from toolchain.inspect.pagetable import PTE_P, PTE_PS, PTE_U, AddressSpace, UnmappedError

PTE_W = 0x002
PDIR, PT = 0x1000, 0x2000


class Phys:
    """Guest physical memory: a bytearray, and reads of it counted."""

    def __init__(self, size: int):
        self.mem = bytearray(size)
        self.reads = 0

    def read(self, address: int, count: int) -> bytes:
        self.reads += 1
        assert 0 <= address and address + count <= len(self.mem), f"physical read outside RAM at {address:#x}"
        return bytes(self.mem[address:address + count])

    def entry(self, table: int, index: int, value: int) -> None:
        struct.pack_into("<I", self.mem, table + 4 * index, value)


@pytest.fixture
def phys():
    """A directory like pmap_create's: the kernel's 4 MiB identity page at 0 (supervisor only);
    at 0x40000000 a table mapping two user pages out of order (0x5000, then 0x3000), then a
    supervisor page, then a hole."""
    p = Phys(0x8000)
    p.entry(PDIR, 0, 0 | PTE_PS | PTE_W | PTE_P)
    p.entry(PDIR, 0x40000000 >> 22, PT | PTE_U | PTE_W | PTE_P)
    p.entry(PT, 0, 0x5000 | PTE_U | PTE_W | PTE_P)
    p.entry(PT, 1, 0x3000 | PTE_U | PTE_P)
    p.entry(PT, 2, 0x4000 | PTE_W | PTE_P)
    p.mem[0x5ffc:0x6000] = b"ABCD"
    p.mem[0x3000:0x3004] = b"EFGH"
    return p


def test_translates_4k_pages_through_directory_and_table(phys):
    space = AddressSpace(phys.read, PDIR)
    assert space.translate(0x40000000) == 0x5000
    assert space.translate(0x40000123) == 0x5123
    assert space.translate(0x40001fff) == 0x3fff
    assert space.translate(0x40003000) is None          # no entry in the table
    assert space.translate(0x80000000) is None          # no table in the directory


def test_a_read_crosses_pages_that_are_not_contiguous(phys):
    assert AddressSpace(phys.read, PDIR).read(0x40000ffc, 8) == b"ABCDEFGH"


def test_user_reads_see_only_user_pages(phys):
    user, kernel = AddressSpace(phys.read, PDIR), AddressSpace(phys.read, PDIR, user=False)
    assert user.translate(0x40002000) is None and kernel.translate(0x40002000) == 0x4000
    assert user.translate(0x1234) is None                # the kernel's identity map is supervisor only
    assert kernel.translate(0x3fffff) == 0x3fffff        # a 4 MiB page
    with pytest.raises(UnmappedError) as e:
        user.read(0x40001ffe, 4)                         # runs into the supervisor page
    assert e.value.address == 0x40002000


def test_mappings_list_the_user_pages_and_tables_are_read_once(phys):
    space = AddressSpace(phys.read, PDIR)
    assert list(space.mappings(0x40000000, 0xc0000000)) == [(0x40000000, 0x5000), (0x40001000, 0x3000)]
    before = phys.reads
    space.translate(0x40000000)
    space.translate(0x40001000)
    assert phys.reads == before                          # directory and table cached


def test_a_user_programs_dwarf_reads_through_the_page_tables():
    """The inspectee's PT_LOAD segments placed in scattered 'physical' pages and mapped at their
    virtual addresses: drgn then reads libcr's initialized statics by name through the walker."""
    from elftools.elf.elffile import ELFFile

    from toolchain.inspect.uthreads import THREAD_C, user_program
    elf = BUILD / "userland/bin/inspectee"
    if not elf.exists():
        pytest.skip("build/userland/bin/inspectee is not built (./go build)")
    with open(elf, "rb") as f:
        segs = [(s["p_vaddr"], s["p_memsz"], s.data()) for s in ELFFile(f).iter_segments() if s["p_type"] == "PT_LOAD"]
    lo = min(v for v, _, _ in segs) & ~0xfff
    hi = (max(v + n for v, n, _ in segs) + 0xfff) & ~0xfff
    npages = (hi - lo) >> 12
    phys = Phys(PT + 0x1000 * (2 + npages))
    frames = list(reversed(range(PT + 0x2000, PT + 0x2000 + 0x1000 * npages, 0x1000)))   # out of order
    phys.entry(PDIR, lo >> 22, PT | PTE_U | PTE_W | PTE_P)
    for i, frame in enumerate(frames):
        phys.entry(PT, ((lo >> 12) + i) & 0x3ff, frame | PTE_U | PTE_W | PTE_P)
    space = AddressSpace(phys.read, PDIR)
    for vaddr, _, data in segs:
        for off in range(0, len(data)):
            pa = space.translate(vaddr + off)
            phys.mem[pa] = data[off]
    prog = user_program(space, elf)
    assert prog.variable("nvcpus_made", THREAD_C).value_() == 1
    main = prog.variable("main_thread", THREAD_C)
    assert main.td_name.string_() == b"main" and main.td_pri.value_() == 8
