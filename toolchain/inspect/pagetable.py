"""A process's address space: i386 two-level paging walked in Python over guest physical memory.

The kernel's pmap (kernel/vm/pmap.c, kernel/include/vm/vm.h) gives each process a page
directory (struct pmap's pm_pdir) of 1024 entries, each naming a page table of 1024 entries by
its physical address (the kernel identity-maps RAM: a kernel pointer is a physical address);
user pages are 4 KiB. The kernel's own entries are 4 MiB pages (PTE_PS), walked too.
"""
from __future__ import annotations

import struct
from typing import Callable

PAGE_SIZE = 4096
PTE_P, PTE_U, PTE_PS = 0x001, 0x004, 0x080      # kernel/include/vm/vm.h (the hardware's bits)


class UnmappedError(Exception):
    """A virtual address the page tables do not map (for the access asked)."""

    def __init__(self, address: int):
        super().__init__(f"{address:#x} is not mapped")
        self.address = address


class AddressSpace:
    """Reads of virtual memory through one page directory.

    read_phys(address, count) -> bytes reads guest physical memory; pdir is the directory's
    physical address. With user=True, as the CPU would in ring 3, a page must be PTE_U at both
    levels (the kernel's identity map is supervisor only).
    """

    def __init__(self, read_phys: Callable[[int, int], bytes], pdir: int, user: bool = True,
                 bits: dict[str, int] | None = None):
        self.read_phys, self.pdir, self.user = read_phys, pdir, user
        b = {"P": PTE_P, "U": PTE_U, "PS": PTE_PS} | (bits or {})
        self.need = b["P"] | (b["U"] if user else 0)
        self.ps = b["PS"]
        self._tables: dict[int, tuple[int, ...]] = {}   # physical address -> its 1024 entries

    def _entries(self, table: int) -> tuple[int, ...]:
        if table not in self._tables:
            self._tables[table] = struct.unpack("<1024I", self.read_phys(table, PAGE_SIZE))
        return self._tables[table]

    def translate(self, va: int) -> int | None:
        """The physical address of virtual va, or None if unmapped."""
        va &= 0xffffffff
        pde = self._entries(self.pdir)[va >> 22]
        if pde & self.need != self.need:
            return None
        if pde & self.ps:
            return (pde & 0xffc00000) | (va & 0x3fffff)
        pte = self._entries(pde & ~0xfff)[(va >> 12) & 0x3ff]
        if pte & self.need != self.need:
            return None
        return (pte & ~0xfff) | (va & 0xfff)

    def read(self, va: int, count: int) -> bytes:
        """count bytes at virtual va, across pages; UnmappedError at the first unmapped byte."""
        out = bytearray()
        while count > 0:
            pa = self.translate(va)
            if pa is None:
                raise UnmappedError(va)
            n = min(count, PAGE_SIZE - (va & 0xfff))
            out += self.read_phys(pa, n)
            va, count = va + n, count - n
        return bytes(out)

    def mappings(self, lo: int = 0, hi: int = 1 << 32):
        """(virtual, physical) of each mapped 4 KiB page in [lo, hi), in order."""
        for d, pde in enumerate(self._entries(self.pdir)):
            base = d << 22
            if base + (1 << 22) <= lo or base >= hi or pde & self.need != self.need:
                continue
            if pde & self.ps:
                frames = [((pde & 0xffc00000) + (i << 12)) for i in range(1024)]
            else:
                frames = [None if e & self.need != self.need else e & ~0xfff for e in self._entries(pde & ~0xfff)]
            for i, pa in enumerate(frames):
                va = base + (i << 12)
                if pa is not None and lo <= va < hi:
                    yield va, pa
