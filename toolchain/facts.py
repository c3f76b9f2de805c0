"""What the host tools know about the C side, read from the DWARF of the ELF that was built from it.

One home per fact (docs/layout.md, "Facts the host reads"): a struct's layout, an enum's values,
a named constant live in the C headers only; the build puts them into every ELF's DWARF (-g, and
-fno-eliminate-unused-debug-types for enums nothing uses as a type); this module reads them back
with drgn, types only, no memory. So a reader always matches the binary it reads: the trace
ring's layout comes from the trace kernel that wrote it, a program's stack sizes from the
program. A #define cannot be read this way: facts the host needs are enums.

    f = facts(kernel)
    f.enum("enum td_state")          {"TDS_RUNNABLE": 0, "TDS_BLOCKED": 1, "TDS_EXITED": 2}
    f.flags("enum td_flags", "TDF_") {1: "NOSTART", 2: "IDLE", ...}
    f.constant("TRACE_MAGIC")        0x43525444
    f.layout("struct trace_rec")     Layout: size, fields, unpack(), pack()
"""
from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolchainError

# struct-module codes of the C integer sizes, unsigned and signed
_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h", (4, False): "I", (4, True): "i",
          (8, False): "Q", (8, True): "q"}


def _scalar_kinds():
    import drgn
    return (drgn.TypeKind.INT, drgn.TypeKind.BOOL, drgn.TypeKind.ENUM, drgn.TypeKind.POINTER)


class FactsError(ToolchainError):
    """A fact the host needs is not in an ELF's DWARF: names the ELF, the fact and the fix."""


@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    code: str               # struct code of one element: "I", "Q", "B", ...
    count: int = 1          # elements: more than one for an array of integers


@dataclass(frozen=True)
class Layout:
    """A C struct of integers (and arrays of them) as laid out in the ELF: offsets, sizes, codes."""
    name: str
    size: int
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def unpack(self, data: bytes, offset: int = 0) -> dict:
        """{field: value}, an array field as a tuple, from data at offset."""
        out = {}
        for f in self.fields:
            values = struct.unpack_from(f"<{f.count}{f.code}", data, offset + f.offset)
            out[f.name] = values if f.count > 1 else values[0]
        return out

    def pack(self, **values) -> bytes:
        """The struct's bytes: the fields given, zeros elsewhere (for tests that make rings)."""
        buf = bytearray(self.size)
        for f in self.fields:
            v = values.pop(f.name, (0,) * f.count if f.count > 1 else 0)
            struct.pack_into(f"<{f.count}{f.code}", buf, f.offset, *(v if f.count > 1 else (v,)))
        if values:
            raise KeyError(f"{self.name} has no field(s) {sorted(values)}")
        return bytes(buf)


class Facts:
    """The types and constants of one ELF's DWARF; prog: a drgn Program that has loaded it
    already (the inspector's), else one is made here."""

    def __init__(self, elf: Path, prog=None):
        import drgn
        self.elf = Path(elf)
        if prog is not None:
            self.prog = prog
            return
        self.prog = drgn.Program(drgn.Platform(drgn.Architecture.I386, drgn.PlatformFlags.IS_LITTLE_ENDIAN))
        module = self.prog.extra_module(self.elf.name, create=True)
        module.try_file(str(self.elf), force=True)
        if module.debug_file_path is None:
            raise FactsError(f"{self.elf} has no DWARF: it must be built with -g (toolchain/build.py)")

    def _missing(self, what: str) -> FactsError:
        return FactsError(f"{self.elf} has no {what} in its DWARF: rebuild it (`invoke build`); if it is a "
                          "#define, make it an enum (docs/layout.md, \"Facts the host reads\")")

    def _type(self, name: str):
        try:
            return self.prog.type(name)
        except LookupError:
            raise self._missing(name) from None

    def enum(self, name: str) -> dict[str, int]:
        """{enumerator: value} of an enum type ('enum td_state')."""
        return {e.name: e.value for e in self._type(name).enumerators}

    def flags(self, name: str, prefix: str) -> dict[int, str]:
        """{bit: NAME without prefix} of an enum of one-bit flags; masks of several bits are left out."""
        return {v: n.removeprefix(prefix) for n, v in self.enum(name).items() if v and v & (v - 1) == 0}

    def constant(self, name: str) -> int:
        """The value of an enumerator, by its name alone."""
        try:
            return self.prog.constant(name).value_()
        except LookupError:
            raise self._missing(f"constant {name}") from None

    def layout(self, name: str, until: str | None = None) -> Layout:
        """The layout of a struct of integers, pointers, enums and arrays of them; until: stop at
        this member (the header before a struct's array of records), which sets the size."""
        import drgn
        t = self._type(name)
        fields: list[Field] = []
        for m in t.members:
            if m.name == until:
                return Layout(name, m.bit_offset // 8, tuple(fields))
            self._add(fields, name, m.name, m.type, m.bit_offset // 8)
        if until is not None:
            raise self._missing(f"member {until} of {name}")
        return Layout(name, drgn.sizeof(t), tuple(fields))

    def _add(self, fields: list[Field], struct_name: str, name: str, type_, offset: int) -> None:
        """Append the field(s) of one member: a nested struct's members as 'outer.inner'."""
        import drgn
        kind, count = _plain(type_), 1
        if kind.kind == drgn.TypeKind.STRUCT:
            for m in kind.members:
                self._add(fields, struct_name, f"{name}.{m.name}", m.type, offset + m.bit_offset // 8)
            return
        if kind.kind == drgn.TypeKind.ARRAY:
            kind, count = _plain(kind.type), kind.length or 0
        signed = kind.type.is_signed if kind.kind == drgn.TypeKind.ENUM else \
            kind.kind == drgn.TypeKind.INT and kind.is_signed
        code = _CODES.get((drgn.sizeof(kind), signed)) if kind.kind in _scalar_kinds() else None
        if code is None:
            raise FactsError(f"{struct_name}.{name} in {self.elf} is a {type_}: only integers, pointers, "
                             "structs and arrays of them can be read as a layout")
        fields.append(Field(name, offset, code, count))


def _plain(t):
    """A type without qualifiers and typedefs (uint32_t -> unsigned int)."""
    t = t.unqualified()
    while t.kind.name == "TYPEDEF":
        t = t.type.unqualified()
    return t


def facts(elf: Path) -> Facts:
    """The Facts of an ELF, read once while the file stays the same."""
    try:
        st = Path(elf).stat()
    except FileNotFoundError:
        raise FactsError(f"no ELF at {elf}: build it first (`invoke build`)") from None
    return _facts(str(Path(elf).resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _facts(path: str, _mtime: int, _size: int) -> Facts:
    return Facts(Path(path))
