"""Guest physical memory, read from a live QEMU over QMP or from a `dump-guest-memory` ELF file.

The kernel identity-maps physical memory (kernel/include/vm/vm.h: 0 .. KERNEL_TOP is virtual ==
physical), so a kernel virtual address is a guest physical address and one reader serves both.

Live guest, fast path: QMP's `gpa2hva` (a human-monitor command) gives the host virtual address
of a guest physical one inside QEMU's own memory; the bytes are then read from /proc/PID/mem of
the QEMU process (the same user may read it, like process_vm_readv). Translations are cached per
64 KiB chunk: QEMU's RAM regions on the pc machine all start and end on 64 KiB boundaries.
Fallback (no PID, or /proc/PID/mem refused): QMP `pmemsave` of one page into a temporary file.
Either way pages are cached: the guest is paused while it is read, so memory does not change.
"""
from __future__ import annotations

import os
import re
import struct
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import ToolchainError
from ..gen import load_layout
from .pagetable import PAGE_SIZE

PAGE = PAGE_SIZE
CHUNK = 64 * 1024

Qmp = Callable[..., object]       # qmp(command, **arguments) -> the command's result


class GuestMemoryError(ToolchainError):
    """A guest address that cannot be read (outside RAM, or QEMU refused)."""


class Memory:
    """Page-cached reads of guest physical memory; subclasses fetch whole pages."""

    method = "?"

    def __init__(self, size: int):
        self.size = size                # bytes of guest RAM from address 0
        self._pages: dict[int, bytes] = {}

    def _fetch_page(self, base: int) -> bytes:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the cached pages: the guest ran since they were read."""
        self._pages.clear()

    def read(self, address: int, count: int) -> bytes:
        if address < 0 or address + count > self.size:
            raise GuestMemoryError(f"guest address {address:#x}+{count} is outside RAM (0..{self.size:#x})")
        out = bytearray()
        while count > 0:
            base, off = address & ~(PAGE - 1), address & (PAGE - 1)
            page = self._pages.get(base)
            if page is None:
                page = self._pages[base] = self._fetch_page(base)
            n = min(count, PAGE - off)
            out += page[off:off + n]
            address, count = address + n, count - n
        return bytes(out)


_GPA2HVA = re.compile(r"is (0x[0-9a-fA-F]+)")


class QmpMemory(Memory):
    """A live QEMU's RAM: gpa2hva + /proc/PID/mem, or pmemsave when that is not possible."""

    def __init__(self, qmp: Qmp, pid: int | None):
        size = int(qmp("query-memory-size-summary")["base-memory"])
        super().__init__(size)
        self.qmp, self.pid = qmp, pid
        self._chunks: dict[int, int] = {}
        self._mem = None
        self.method = "pmemsave"
        if pid is not None:
            try:
                self._mem = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
                kernel = load_layout()["kernel_base"]  # the kernel's first page: proves the path
                os.pread(self._mem, 1, self._hva(kernel))
                self.method = "gpa2hva+/proc/pid/mem"
            except (OSError, GuestMemoryError):
                self.close()
        self._tmp = None

    def _hva(self, gpa: int) -> int:
        chunk = gpa & ~(CHUNK - 1)
        if chunk not in self._chunks:
            text = str(self.qmp("human-monitor-command", **{"command-line": f"gpa2hva {chunk:#x}"}))
            m = _GPA2HVA.search(text)
            if not m:
                raise GuestMemoryError(f"QEMU cannot translate guest address {chunk:#x}: {text.strip()}")
            self._chunks[chunk] = int(m.group(1), 16)
        return self._chunks[chunk] + (gpa - chunk)

    def _fetch_page(self, base: int) -> bytes:
        if self._mem is not None:
            return os.pread(self._mem, PAGE, self._hva(base))
        if self._tmp is None:
            fd, name = tempfile.mkstemp(prefix="dfly-pmem-")
            os.close(fd)
            self._tmp = Path(name)
        self.qmp("pmemsave", val=base, size=PAGE, filename=str(self._tmp))
        data = self._tmp.read_bytes()
        if len(data) != PAGE:
            raise GuestMemoryError(f"pmemsave of {base:#x} gave {len(data)} bytes")
        return data

    def close(self) -> None:
        if self._mem is not None:
            os.close(self._mem)
            self._mem = None
        if getattr(self, "_tmp", None) is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


# QEMU's "QEMU" ELF note (QEMUCPUState, one per CPU): version, size, then 64-bit registers in
# this order (the i386 target writes them too, zero-extended).
_QEMU_NOTE_REGS = ("eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp") + tuple(f"r{i}" for i in range(8, 16)) \
    + ("eip", "efl")


def qemu_note_registers(desc: bytes) -> dict:
    """The general registers of one CPU from the descriptor of a dump's QEMU note."""
    values = struct.unpack_from(f"<II{len(_QEMU_NOTE_REGS)}Q", desc, 0)[2:]
    return {name: v & 0xffffffff for name, v in zip(_QEMU_NOTE_REGS, values) if not name.startswith("r")}


def _notes(elf, name: str) -> list[bytes]:
    out = []
    for seg in elf.iter_segments():
        if seg["p_type"] == "PT_NOTE":
            for note in seg.iter_notes():
                if note["n_name"] == name:
                    desc = note["n_desc"]
                    out.append(desc.encode("latin-1") if isinstance(desc, str) else bytes(desc))
    return out


class DumpMemory(Memory):
    """A `dump-guest-memory` ELF file: each PT_LOAD holds guest physical memory at p_paddr; each
    CPU's registers are in a note named QEMU."""

    method = "dump"

    def __init__(self, path: Path):
        from elftools.elf.elffile import ELFFile
        self.path = Path(path)
        try:
            self._file = open(self.path, "rb")
        except OSError as e:
            raise GuestMemoryError(f"cannot read the dump {path} ({e.strerror}): write one with "
                                   "`invoke dump --image NAME` while `invoke boot` runs, or give its path") from None
        try:
            elf = ELFFile(self._file)
        except Exception as e:
            self._file.close()
            raise GuestMemoryError(f"{path} is not an ELF memory dump ({e}); write one with `invoke dump`") from None
        self.segments = sorted((seg["p_paddr"], seg["p_filesz"], seg["p_offset"])
                               for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD" and seg["p_filesz"])
        self.registers = [qemu_note_registers(desc) for desc in _notes(elf, "QEMU")]
        if not self.segments:
            raise GuestMemoryError(f"{path} has no PT_LOAD segments: not a guest memory dump")
        super().__init__(max(pa + n for pa, n, _ in self.segments))

    def _fetch_page(self, base: int) -> bytes:
        page = bytearray(PAGE)
        found = False
        for pa, n, off in self.segments:
            lo, hi = max(pa, base), min(pa + n, base + PAGE)
            if lo < hi:
                self._file.seek(off + lo - pa)
                page[lo - base:hi - base] = self._file.read(hi - lo)
                found = True
        if not found:
            raise GuestMemoryError(f"the dump has no memory at {base:#x}")
        return bytes(page)

    def close(self) -> None:
        self._file.close()
