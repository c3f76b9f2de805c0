"""Which code an executed instruction belongs to: the kernel, a program or libcr, its function,
its source line.

The plugin reports addresses, and every program is linked at 0x40000000, so an address alone
cannot tell two processes apart (proc.pipe.pingpong runs bench_syscall and pipe_echo). A block
belongs to the ELF whose loaded bytes at its address equal the bytes QEMU translated; when
several programs hold the same bytes there, the other blocks of the same physical page decide
(a page of code belongs to one program), and what stays undecided is reported, never guessed
silently. Code in no ELF is the firmware's (qboot and QEMU's multiboot loader) when it lies
below 1 MiB or in the ROM's alias under 4 GiB, unknown otherwise.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from ..elfcheck import Symbolizer
from ..gen import load_layout

USER_BASE = load_layout()["user_base"]       # kernel/include/vm/layout.toml
from .data import Block

# Where a program's own sources live; any other file linked into a program is libcr's (the
# kernel's shared lib/ files and generated sources included).
PROGRAM_DIRS = ("userland/bin/", "userland/bench/", "userland/tests/")
FIRMWARE_BELOW, FIRMWARE_ABOVE = 0x100000, 0xc0000000


@dataclass(frozen=True)
class Place:
    """The function (and line) an instruction belongs to."""
    module: str                 # kernel, libcr, a program's name, firmware or unknown
    program: str | None         # the program whose image holds it (libcr or its own code)
    function: str
    file: str                   # the function's source file ("" when unknown)
    line: int = 0               # the instruction's source line (0 when unknown)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the function across profiles (addresses do not)."""
        return (self.module, self.program or "", self.function, self.file)


def defined_functions(obj: Path) -> set[str]:
    """The functions an object file defines (its own code, whatever has line information)."""
    with open(obj, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        return {s.name for s in symtab.iter_symbols()
                if s["st_info"]["type"] == "STT_FUNC" and s["st_shndx"] != "SHN_UNDEF"}


class ElfImage:
    """One ELF's loaded bytes and symbols. A program's own object file (obj) tells its functions
    from libcr's where DWARF cannot (assembler in a C file has no line information)."""

    def __init__(self, path: Path, name: str, program: bool, obj: Path | None = None):
        self.path, self.name, self.program = Path(path), name, program
        with open(self.path, "rb") as f:
            elf = ELFFile(f)
            self.segments = sorted((s["p_vaddr"], s.data()) for s in elf.iter_segments()
                                   if s["p_type"] == "PT_LOAD")
        self._starts = [s for s, _ in self.segments]
        self.symbols = Symbolizer(self.path)
        self.own = defined_functions(obj) if obj is not None and Path(obj).is_file() else set()

    def holds(self, vaddr: int, code: bytes) -> bool:
        """Are code's bytes what this ELF loads at vaddr?"""
        i = bisect.bisect_right(self._starts, vaddr) - 1
        if i < 0:
            return False
        start, data = self.segments[i]
        off = vaddr - start
        return off + len(code) <= len(data) and data[off:off + len(code)] == code

    @functools.lru_cache(maxsize=None)
    def function(self, vaddr: int) -> tuple[str, str]:
        """(name, source file) of the function holding vaddr; ('0x...', '') outside any."""
        fn = self.symbols.function(vaddr)
        if fn is None:
            return f"{vaddr:#x}", ""
        loc = self.symbols.line(vaddr - fn[1])
        return fn[0], loc[0] if loc else ""

    def module(self, function: str, file: str) -> str:
        """kernel, this program's name, or libcr: by the function's source file, else by the
        program's object file."""
        if not self.program:
            return "kernel"
        if file:
            own = file.startswith(PROGRAM_DIRS) and Path(file).stem == self.name
        else:
            own = function in self.own
        return self.name if own else "libcr"

    @functools.lru_cache(maxsize=None)
    def place(self, vaddr: int, with_line: bool = False) -> Place:
        name, file = self.function(vaddr)
        line = 0
        if with_line:
            loc = self.symbols.line(vaddr)
            line = loc[1] if loc else 0
            file = loc[0] if loc else file
        return Place(self.module(name, self.function(vaddr)[1]), self.name if self.program else None,
                     name, file, line)


def outside_place(vaddr: int) -> Place:
    """The place of code that no ELF holds."""
    if vaddr < FIRMWARE_BELOW or vaddr >= FIRMWARE_ABOVE:
        return Place("firmware", None, "(firmware)", "")
    return Place("unknown", None, "(unknown code)", "")


class Attributor:
    """Blocks to ELF images, instructions and context entries to places."""

    def __init__(self, kernel: Path, programs: dict[str, Path], objects: dict[str, Path] | None = None):
        self.kernel = ElfImage(kernel, "kernel", program=False)
        self.programs = [ElfImage(p, n, program=True, obj=(objects or {}).get(n))
                         for n, p in sorted(programs.items())]
        self.owner: dict[int, ElfImage | None] = {}
        self.undecided: dict[int, list[str]] = {}   # block id -> the programs it could be

    def candidates(self, b: Block) -> list[ElfImage]:
        images = self.programs if b.vaddr >= USER_BASE else [self.kernel]
        return [img for img in images if img.holds(b.vaddr, b.code)]

    def resolve(self, blocks: dict[int, Block]) -> None:
        """Decide the owner of every block (see the module's docstring), forgetting earlier ones."""
        self.owner, self.undecided = {}, {}
        cands = {bid: self.candidates(b) for bid, b in blocks.items()}
        page_owners: dict[int, set[str]] = {}
        for bid, c in cands.items():
            if len(c) == 1 and blocks[bid].host:
                page_owners.setdefault(blocks[bid].host >> 12, set()).add(c[0].name)
        for bid, c in cands.items():
            if len(c) <= 1:
                self.owner[bid] = c[0] if c else None
                continue
            owners = page_owners.get(blocks[bid].host >> 12, set()) if blocks[bid].host else set()
            pick = [img for img in c if img.name in owners]
            if len(pick) == 1 and len(owners) == 1:
                self.owner[bid] = pick[0]
            else:
                self.owner[bid] = c[0]
                self.undecided[bid] = [img.name for img in c]

    def place(self, block: Block | None, vaddr: int, with_line: bool = False,
              hint: ElfImage | None = None) -> Place:
        """The place of the instruction at vaddr in block (resolved), or, without a block, in the
        image hint (a context entered by a call whose first block was never seen)."""
        img = self.owner.get(block.id) if block is not None else hint
        if img is None and block is None and vaddr and vaddr < USER_BASE and vaddr >= FIRMWARE_BELOW:
            img = self.kernel
        if img is None:
            return outside_place(vaddr)
        return img.place(vaddr, with_line)
