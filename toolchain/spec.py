"""Load and validate kernel/syscalls.toml, the one system-call specification.

Everything generated from the spec (kernel dispatch table, message structs, libcr stubs, Python
decoders) reads it through `load_spec`, so a bad spec stops the build here, before anything is
rendered, with the file, the entry and what is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import schema as s
from .schema import SchemaError


class SpecError(SchemaError):
    """A problem in a spec file: names the file, the line, the entry and what is wrong."""


@dataclass(frozen=True)
class CType:
    """An argument type the ABI allows, with its i386 size and alignment inside a struct."""
    name: str
    size: int
    align: int
    pyfmt: str           # struct-module code for decoding
    pointer: bool = False


# i386 System V: 64-bit integers are only 4-byte aligned inside structs.
TYPES = {t.name: t for t in [
    CType("int", 4, 4, "i"), CType("unsigned int", 4, 4, "I"),
    CType("long", 4, 4, "i"), CType("unsigned long", 4, 4, "I"),
    CType("size_t", 4, 4, "I"), CType("ssize_t", 4, 4, "i"), CType("pid_t", 4, 4, "i"),
    CType("int32_t", 4, 4, "i"), CType("uint32_t", 4, 4, "I"),
    CType("int64_t", 8, 4, "q"), CType("uint64_t", 8, 4, "Q"), CType("off_t", 8, 4, "q"),
    CType("const void *", 4, 4, "I", True), CType("void *", 4, 4, "I", True),
    CType("const char *", 4, 4, "I", True), CType("char *", 4, 4, "I", True),
    CType("int *", 4, 4, "I", True), CType("const void *const *", 4, 4, "I", True),
    CType("intptr_t", 4, 4, "i"),
]}
RETURN_TYPES = {"void", "int", "long", "ssize_t", "pid_t", "off_t", "int64_t", "uint64_t",
                "void *", "size_t", "unsigned int", "uint32_t", "int32_t", "intptr_t"}
DIRECTIONS = ("in", "out", "inout")

# The size of the header every syscall message starts with (struct lwkt_msg, sys/msgport.h): the
# ABI's arguments start after it. The generated sysmsg.h asserts it; the host reads the header's
# fields themselves from the kernel's DWARF (toolchain/decode.py).
HEADER_SIZE = 48


@dataclass
class Arg:
    name: str
    ctype: CType
    offset: int = 0
    dir: str | None = None
    size: str | int | None = None
    max: int | None = None          # a NUL-terminated string of at most max bytes (NUL included)

    @property
    def string(self) -> bool:
        return self.max is not None

    @property
    def type(self) -> str:
        return self.ctype.name

    @property
    def decl(self) -> str:
        """The C declaration of this argument: 'const void *buf', 'int fd'."""
        sep = "" if self.type.endswith("*") else " "
        return f"{self.type}{sep}{self.name}"


@dataclass
class Syscall:
    number: int
    name: str
    doc: str
    args: list[Arg]
    ret: str = "int"
    noreturn: bool = False
    blocking: bool = False
    stub: str = ""
    batch: bool = True          # may be an entry of a submit batch or the ring
    anycpu: bool = False        # a polled ring's thread may run it on any CPU (no process state)
    msgsize: int = HEADER_SIZE

    @property
    def pointer_args(self) -> list[Arg]:
        return [a for a in self.args if a.ctype.pointer]

    @property
    def buffer_args(self) -> list[Arg]:
        """Pointers to a sized buffer (checked by the dispatcher, used in place)."""
        return [a for a in self.args if a.ctype.pointer and not a.string]

    @property
    def string_args(self) -> list[Arg]:
        """NUL-terminated strings (copied into the kernel by the dispatcher)."""
        return [a for a in self.args if a.string]


@dataclass
class Errno:
    name: str
    number: int
    message: str


@dataclass
class Spec:
    path: Path
    syscalls: list[Syscall] = field(default_factory=list)
    errnos: list[Errno] = field(default_factory=list)

    @property
    def by_number(self) -> dict[int, Syscall]:
        return {s.number: s for s in self.syscalls}

    @property
    def max_number(self) -> int:
        return max((s.number for s in self.syscalls), default=-1)


# Names the generated code uses itself, and C keywords: an argument may not be called these.
RESERVED_NAMES = {"hdr", "msg", "m", "error", "auto", "break", "case", "char", "const", "continue",
                  "default", "do", "double", "else", "enum", "extern", "float", "for", "goto", "if",
                  "inline", "int", "long", "register", "restrict", "return", "short", "signed",
                  "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
                  "volatile", "while", "_Bool"}


# Text pasted into C comments, C strings and Python strings must not end or escape them.
PASTED = ('"', "\\", "*/", "/*", "\n")


def _check_arg(arg: dict, ctx: s.Ctx) -> None:
    """The rules between an argument's keys: strings, buffers and plain values."""
    name, ctype = arg["name"], TYPES[arg["type"]]
    if name in RESERVED_NAMES:
        ctx.fail(f"argument name '{name}' is reserved (a C keyword or used by the generated code)", at="name")
    if "max" in arg:
        if ctype.name != "const char *" or arg.get("dir") != "in" or "size" in arg:
            ctx.fail(f"string argument '{name}' must be a 'const char *' with dir = \"in\" and max (no size)")
    elif ctype.pointer:
        if "dir" not in arg:
            ctx.fail(f"pointer argument '{name}' needs dir = one of {list(DIRECTIONS)}")
        if "size" not in arg:
            ctx.fail(f"buffer argument '{name}' has no size (name an integer argument or give a number)")
    elif "dir" in arg or "size" in arg:
        ctx.fail(f"argument '{name}' is not a pointer: dir and size do not apply", at="dir" if "dir" in arg else "size")


def _check_entry(entry: dict, ctx: s.Ctx) -> None:
    """The rules between an entry's keys: noreturn, argument names and sizes."""
    if entry["noreturn"] and entry["ret"] != "void":
        ctx.fail('a noreturn call must have ret = "void"', at="ret")
    if entry["noreturn"] and entry["batch"]:
        ctx.fail("a noreturn call must have batch = false: it would end the batch or ring it came "
                 "in, whose caller still waits for an answer", at="noreturn")
    if entry["anycpu"] and (entry["blocking"] or not entry["batch"]):
        ctx.fail("an anycpu call must answer at once and be batchable: blocking = false, batch = true",
                 at="anycpu")
    names = [a["name"] for a in entry["args"]]
    if len(set(names)) != len(names):
        ctx.fail(f"duplicate argument names in {names}", at="args")
    by_name = {a["name"]: a for a in entry["args"]}
    for i, a in enumerate(entry["args"]):
        size = a.get("size")
        if isinstance(size, str):
            if size not in by_name:
                ctx.fail(f"size of '{a['name']}' names '{size}', which is not an argument", at=("args", i, "size"))
            if TYPES[by_name[size]["type"]].pointer:
                ctx.fail(f"size of '{a['name']}' names pointer argument '{size}'", at=("args", i, "size"))


def _check_errnos(table: dict, ctx: s.Ctx) -> None:
    seen: dict[int, str] = {}
    for name, (number, _message) in table.items():
        if number in seen:
            ctx.fail(f"{name}: duplicate number {number} (already {seen[number]})", at=name)
        seen[number] = name
    for needed in ("EFAULT", "EINVAL", "ENOSYS", "EASYNC"):
        if needed not in table:
            ctx.fail(f"{needed} is required by the kernel")


def _errno_name(name: str) -> str | None:
    return None if name.isidentifier() and name.startswith("E") and name.isupper() else "name must look like EFOO"


def _entry_label(index: int, entry) -> str:
    return f"syscall '{entry['name']}'" if isinstance(entry, dict) and isinstance(entry.get("name"), str) \
        else f"syscall #{index + 1}"


def _arg_label(index: int, arg) -> str:
    return f"argument '{arg['name']}'" if isinstance(arg, dict) and isinstance(arg.get("name"), str) \
        else f"argument #{index + 1}"


ARG = s.Table({
    "name": s.Key(s.Str(identifier=True), required=True),
    "type": s.Key(s.Str(choices=tuple(TYPES)), required=True),
    "dir": s.Key(s.Str(choices=DIRECTIONS)),
    "size": s.Key(s.OneOf((s.Int(min=1), s.Str(identifier=True)), "an argument name or a positive number")),
    "max": s.Key(s.Int(2, 4096, " (bytes, NUL included)")),
}, rules=(_check_arg,))

SYSCALL = s.Table({
    "number": s.Key(s.Int(0, 1023), required=True),
    "name": s.Key(s.Str(identifier=True), required=True),
    "doc": s.Key(s.Str(nonempty=True, forbid=PASTED, what="a non-empty one-line string"), required=True),
    "args": s.Key(s.List(ARG, max_items=6, why_max=" (libcr's tracing table holds 6)", label=_arg_label,
                         what="a list of { name, type } tables"), required=True),
    "ret": s.Key(s.Str(choices=tuple(sorted(RETURN_TYPES))), default="int"),
    "noreturn": s.Key(s.Bool(), default=False),
    "blocking": s.Key(s.Bool(), default=False),
    "batch": s.Key(s.Bool(), default=True),
    "anycpu": s.Key(s.Bool(), default=False),
    "stub": s.Key(s.Str(identifier=True)),
}, rules=(_check_entry,))

# kernel/syscalls.toml: [errno] NAME = [number, "message"], then the [[syscall]] entries.
SPEC = s.Table({
    "errno": s.Key(s.Table(values=s.Tuple((s.Int(min=1), s.Str(forbid=PASTED)), '[positive number, "message"]'),
                           names=_errno_name, rules=(_check_errnos,)),
                   required=True, doc="the ABI's error numbers must be listed"),
    "syscall": s.Key(s.List(SYSCALL, nonempty=True, label=_entry_label, what="a list of [[syscall]] entries"),
                     required=True, doc="no [[syscall]] entries"),
})


def load_spec(path: Path | str) -> Spec:
    """Read and validate a spec file; raise SpecError naming the file, the line and the first
    problem found."""
    doc = s.load(path, SPEC, SpecError)
    spec = Spec(doc.path)
    first: dict[str, dict] = {}         # "number"/"name"/"stub" -> value -> the entry that has it
    for index, entry in enumerate(doc.data["syscall"]):
        entry.setdefault("stub", entry["name"])
        where = _entry_label(index, entry)
        for key, what in (("number", "number"), ("name", "name"), ("stub", "stub name")):
            owner = first.setdefault(key, {}).setdefault(entry[key], entry)
            if owner is not entry:
                also = f" {entry[key]}" if key == "number" else f" '{entry[key]}'" if key == "stub" else ""
                used = f" (already used by '{owner['name']}')" if key == "number" else ""
                doc.fail(("syscall", index, key), where, f"duplicate {what}{also}{used}")
        args = [Arg(a["name"], TYPES[a["type"]], dir=a.get("dir"), size=a.get("size"), max=a.get("max"))
                for a in entry["args"]]
        call = Syscall(entry["number"], entry["name"], entry["doc"].strip(), args, entry["ret"],
                       entry["noreturn"], entry["blocking"], entry["stub"], batch=entry["batch"],
                       anycpu=entry["anycpu"])
        _lay_out(call)
        spec.syscalls.append(call)
    spec.syscalls.sort(key=lambda c: c.number)
    spec.errnos = sorted((Errno(name, n, msg) for name, (n, msg) in doc.data["errno"].items()),
                         key=lambda e: e.number)
    return spec


def _lay_out(call: Syscall) -> None:
    """Give each argument its offset in the message, as the i386 C compiler will."""
    offset = HEADER_SIZE
    for a in call.args:
        offset = (offset + a.ctype.align - 1) // a.ctype.align * a.ctype.align
        a.offset = offset
        offset += a.ctype.size
    call.msgsize = (offset + 3) // 4 * 4
