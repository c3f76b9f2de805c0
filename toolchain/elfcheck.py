"""ELF checks after linking, test listing and symbolization, all with pyelftools.

The kernel must be bootable by a multiboot v1 loader and readable by tools that look at the
live guest: the multiboot header inside the first 8 KiB, the ELF and program headers inside the
first PT_LOAD segment, and no sections we did not ask for. Tests (kernel and user) are listed
from their .ktest section without booting.
"""
from __future__ import annotations

import bisect
import functools
import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from .errors import ToolchainError
from .facts import facts
from .gen import load_layout

MULTIBOOT_MAGIC = 0x1BADB002      # the Multiboot v1 specification's, not a fact of ours
MULTIBOOT_SEARCH = 8192
ALLOWED_SECTIONS = {"", ".text", ".rodata", "__ex_table", ".data", ".ktest", ".kbench", ".bss", ".tdata",
                    ".tbss", ".kbench_window", ".symtab", ".strtab", ".shstrtab"}


class ElfCheckError(ToolchainError):
    """A linked image breaks a rule: names the file, the rule and the fix."""


def _sections(elf: ELFFile) -> list[str]:
    return [s.name for s in elf.iter_sections()]


def _unexpected(elf: ELFFile) -> list[str]:
    return [n for n in _sections(elf) if n not in ALLOWED_SECTIONS and not n.startswith(".debug_")]


def check_kernel(path: Path, layout: dict[str, int] | None = None) -> None:
    """Raise ElfCheckError unless path is a multiboot-bootable, inspectable kernel, linked at the
    layout's kernel_base (default: this checkout's kernel/include/vm/layout.toml)."""
    data = Path(path).read_bytes()
    found = None
    for off in range(0, min(len(data), MULTIBOOT_SEARCH) - 11, 4):
        magic, flags, checksum = struct.unpack_from("<III", data, off)
        if magic == MULTIBOOT_MAGIC and (magic + flags + checksum) & 0xFFFFFFFF == 0:
            found = off
            break
    if found is None:
        raise ElfCheckError(f"{path}: no valid multiboot v1 header in the first {MULTIBOOT_SEARCH} bytes; "
                            "keep .multiboot first in .text (kernel/arch/i386/kernel.ld)")
    with open(path, "rb") as f:
        elf = ELFFile(f)
        if elf.elfclass != 32 or elf["e_machine"] != "EM_386":
            raise ElfCheckError(f"{path}: not an ELF32 i386 file")
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        if not loads:
            raise ElfCheckError(f"{path}: no PT_LOAD segment")
        first = loads[0]
        headers_end = elf["e_phoff"] + elf["e_phnum"] * elf["e_phentsize"]
        if first["p_offset"] != 0 or first["p_filesz"] < headers_end:
            raise ElfCheckError(f"{path}: the ELF headers (bytes 0..{headers_end}) are not inside the first "
                                "PT_LOAD; keep FILEHDR PHDRS on the first segment in kernel.ld")
        base = (layout or load_layout())["kernel_base"]
        if first["p_vaddr"] != base:
            raise ElfCheckError(f"{path}: first PT_LOAD at {first['p_vaddr']:#x}, expected kernel_base {base:#x} "
                                "(kernel/include/vm/layout.toml); kernel.ld must start at KERNEL_BASE")
        bad = _unexpected(elf)
        if bad:
            raise ElfCheckError(f"{path}: unexpected section(s) {bad}; discard them in kernel.ld or "
                                "stop the flags that create them")


def check_program(path: Path, layout: dict[str, int] | None = None) -> None:
    """Raise ElfCheckError unless path is a static i386 program the kernel's loader accepts, linked
    at or above the layout's user_base."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        if elf.elfclass != 32 or elf["e_machine"] != "EM_386" or elf["e_type"] != "ET_EXEC":
            raise ElfCheckError(f"{path}: not a static ELF32 i386 executable")
        if any(s["p_type"] in ("PT_INTERP", "PT_DYNAMIC") for s in elf.iter_segments()):
            raise ElfCheckError(f"{path}: dynamically linked; user programs must be static")
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        user_base = (layout or load_layout())["user_base"]
        if not loads or any(s["p_vaddr"] < user_base for s in loads):
            raise ElfCheckError(f"{path}: segments must lie at or above user_base {user_base:#x} "
                                "(kernel/include/vm/layout.toml); link with userland/libcr/user.ld")
        entry = elf["e_entry"]
        if not any(s["p_vaddr"] <= entry < s["p_vaddr"] + s["p_memsz"] for s in loads):
            raise ElfCheckError(f"{path}: entry point {entry:#x} is outside every PT_LOAD segment")
        bad = _unexpected(elf)
        if bad:
            raise ElfCheckError(f"{path}: unexpected section(s) {bad}; see userland/libcr/user.ld")


# -- tests ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class KtestInfo:
    suite: str
    name: str
    file: str
    line: int

    @property
    def full_name(self) -> str:
        return f"{self.suite}.{self.name}"


def _read_cstring(elf: ELFFile, addr: int) -> str:
    for sec in elf.iter_sections():
        start = sec["sh_addr"]
        if sec["sh_type"] != "SHT_NOBITS" and start <= addr < start + sec["sh_size"] and start:
            data = sec.data()
            end = data.index(b"\0", addr - start)
            return data[addr - start:end].decode("utf-8", "replace")
    raise ValueError(f"address {addr:#x} is in no loaded section")


def list_ktests(path: Path) -> list[KtestInfo]:
    """Every KTEST in the file's .ktest section, in link order (the order they run); the
    descriptor's layout (struct ktest) comes from the file's DWARF."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        sec = elf.get_section_by_name(".ktest")
        if sec is None:
            return []
        desc = facts(path).layout("struct ktest")
        data = sec.data()
        out = []
        for off in range(0, len(data) - len(data) % desc.size, desc.size):
            d = desc.unpack(data, off)
            out.append(KtestInfo(_read_cstring(elf, d["kt_suite"]), _read_cstring(elf, d["kt_name"]),
                                 _read_cstring(elf, d["kt_file"]), d["kt_line"]))
        return out


# -- sizes and symbols -------------------------------------------------------------------------
def section_sizes(path: Path) -> list[tuple[str, int, int]]:
    """(name, address, size) of every allocated section."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        return [(s.name, s["sh_addr"], s["sh_size"]) for s in elf.iter_sections()
                if s["sh_flags"] & 0x2]


def largest_symbols(path: Path, count: int = 15) -> list[tuple[str, str, int]]:
    """(name, kind, size) of the biggest functions and objects."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        syms = [(s.name, s["st_info"]["type"].removeprefix("STT_").lower(), s["st_size"])
                for s in symtab.iter_symbols() if s["st_size"] and s["st_info"]["type"] in ("STT_FUNC", "STT_OBJECT")]
    return sorted(syms, key=lambda t: -t[2])[:count]


def symbolizer(path: Path) -> "Symbolizer":
    """The Symbolizer of an ELF file, kept while the file stays the same (its line table is slow to read)."""
    st = Path(path).stat()
    return _symbolizer(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _symbolizer(path: str, _mtime: int, _size: int) -> "Symbolizer":
    return Symbolizer(Path(path))


class Symbolizer:
    """Turns addresses of an ELF file (the kernel or a program) into 'function+0x12 (file.c:34)'
    using its symbol table and DWARF."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._funcs: list[tuple[int, int, str]] = []
        with open(self.path, "rb") as f:
            elf = ELFFile(f)
            symtab = elf.get_section_by_name(".symtab")
            if symtab is not None:
                for s in symtab.iter_symbols():
                    if s["st_info"]["type"] == "STT_FUNC" and s["st_value"]:
                        self._funcs.append((s["st_value"], s["st_size"], s.name))
        self._funcs.sort()
        # Assembler labels often carry no size: let them reach the next symbol.
        for i, (start, size, name) in enumerate(self._funcs):
            if size == 0:
                end = self._funcs[i + 1][0] if i + 1 < len(self._funcs) else start + 1
                self._funcs[i] = (start, end - start, name)
        self._starts = [f[0] for f in self._funcs]

    def function(self, addr: int) -> tuple[str, int] | None:
        """(name, offset) of the function containing addr, or None."""
        i = bisect.bisect_right(self._starts, addr) - 1
        if i < 0:
            return None
        start, size, name = self._funcs[i]
        if addr >= start + max(size, 1):
            return None
        return name, addr - start

    def address(self, name: str) -> int | None:
        """The address of the function called name (the first, if several static ones are)."""
        return next((start for start, _, n in self._funcs if n == name), None)

    @functools.cached_property
    def _lines(self) -> list[tuple[int, str, int]]:
        rows = []
        with open(self.path, "rb") as f:
            elf = ELFFile(f)
            if not elf.has_dwarf_info():
                return rows
            dwarf = elf.get_dwarf_info()
            for cu in dwarf.iter_CUs():
                lp = dwarf.line_program_for_CU(cu)
                if lp is None:
                    continue
                files = lp["file_entry"]
                dirs = lp["include_directory"]
                for entry in lp.get_entries():
                    st = entry.state
                    if st is None:
                        continue
                    if st.end_sequence:     # the addresses from here on are not this sequence's
                        rows.append((st.address, "", 0))
                        continue
                    v5 = lp.header.version >= 5      # DWARF 5 counts files and dirs from 0
                    fe = files[st.file] if v5 else files[st.file - 1]
                    name = fe.name.decode()
                    d = dirs[fe.dir_index].decode() if v5 else (
                        dirs[fe.dir_index - 1].decode() if fe.dir_index else "")
                    if d not in ("", ".") and not name.startswith("/"):
                        name = f"{d}/{name}"
                    rows.append((st.address, name, st.line))
        rows.sort()
        return rows

    def line(self, addr: int) -> tuple[str, int] | None:
        """(file, line) of the instruction at addr, from DWARF line tables."""
        rows = self._lines
        i = bisect.bisect_right(rows, (addr, "\uffff", 1 << 30)) - 1
        if i < 0 or not rows[i][1]:         # before all code, or past a sequence's end
            return None
        _, name, line = rows[i]
        return name.removeprefix("./"), line

    def where(self, addr: int) -> str:
        """'in fault_on_purpose() [kernel/tests/debug_test.c:13]': the function and source line of
        the instruction at addr, or 'at eip 0x...' when no function holds it."""
        fn = self.function(addr)
        if fn is None:
            return f"at eip {addr:#x}"
        loc = self.line(addr)
        return f"in {fn[0]}()" + (f" [{loc[0]}:{loc[1]}]" if loc else "")

    def describe(self, addr: int, return_address: bool = False) -> str:
        """'fault_on_purpose+0x5 (kernel/tests/debug_test.c:13)', or the bare address.

        A return address (a backtrace frame above the first) points after its call, maybe at the
        next function when the call never returns: look it up one byte earlier."""
        at = addr - 1 if return_address else addr
        fn = self.function(at)
        if fn is None:
            return f"{addr:#010x}"
        text = f"{fn[0]}+{fn[1] + (addr - at):#x}"
        loc = self.line(at)
        return f"{text} ({loc[0]}:{loc[1]})" if loc else text
