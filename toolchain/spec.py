"""Load and validate kernel/syscalls.toml, the one system-call specification.

Everything generated from the spec (kernel dispatch table, message structs, libcr stubs, Python
decoders) reads it through `load_spec`, so a bad spec stops the build here, before anything is
rendered, with the file, the entry and what is wrong.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class SpecError(Exception):
    """A problem in a spec file: names the file, the entry and what is wrong."""

    def __init__(self, path: Path | str, entry: str, problem: str):
        self.path, self.entry, self.problem = str(path), entry, problem
        super().__init__(f"{path}: {entry}: {problem}")


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

# The header every syscall message starts with: struct lwkt_msg in kernel/include/sys/msgport.h.
# The generated C asserts these offsets, so the C struct and this table cannot drift apart.
HEADER_FIELDS = [  # (name, offset, size, struct code)
    ("ms_next", 0, 4, "I"), ("ms_prev", 4, 4, "I"),
    ("ms_target_port", 8, 4, "I"), ("ms_reply_port", 12, 4, "I"),
    ("ms_abortfn", 16, 4, "I"), ("ms_flags", 20, 4, "I"), ("ms_cmd", 24, 4, "I"),
    ("ms_error", 28, 4, "i"), ("ms_result", 32, 8, "q"), ("ms_tag", 40, 8, "Q"),
]
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


def _check_text(path: Path, where: str, what: str, text: str) -> None:
    """Text pasted into C comments, C strings and Python strings must not end or escape them."""
    for bad in ('"', "\\", "*/", "/*", "\n"):
        if bad in text:
            raise SpecError(path, where, f"{what} must not contain {bad!r}")


_ENTRY_KEYS = {"number", "name", "doc", "args", "ret", "noreturn", "blocking", "stub", "batch"}
_ARG_KEYS = {"name", "type", "dir", "size", "max"}


def load_spec(path: Path | str) -> Spec:
    """Read and validate a spec file; raise SpecError naming the first problem found."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(path, "file", "not found") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(path, "file", f"not valid TOML: {e}") from None
    extra = set(data) - {"syscall", "errno"}
    if extra:
        raise SpecError(path, "file", f"unknown top-level key(s) {sorted(extra)}; only [errno] and [[syscall]] are allowed")
    entries = data.get("syscall", [])
    if not isinstance(entries, list) or not entries:
        raise SpecError(path, "file", "no [[syscall]] entries")
    spec = Spec(path)
    seen_numbers: dict[int, str] = {}
    seen_names: set[str] = set()
    seen_stubs: set[str] = set()
    for index, entry in enumerate(entries):
        call = _check_entry(path, index, entry)
        where = f"syscall '{call.name}'"
        if call.number in seen_numbers:
            raise SpecError(path, where, f"duplicate number {call.number} (already used by '{seen_numbers[call.number]}')")
        if call.name in seen_names:
            raise SpecError(path, where, "duplicate name")
        if call.stub in seen_stubs:
            raise SpecError(path, where, f"duplicate stub name '{call.stub}'")
        seen_numbers[call.number] = call.name
        seen_names.add(call.name)
        seen_stubs.add(call.stub)
        spec.syscalls.append(call)
    spec.syscalls.sort(key=lambda s: s.number)
    spec.errnos = _check_errnos(path, data.get("errno", {}))
    return spec


def _check_errnos(path: Path, table) -> list[Errno]:
    if not isinstance(table, dict) or not table:
        raise SpecError(path, "[errno]", "missing: the ABI's error numbers must be listed")
    out, seen = [], {}
    for name, value in table.items():
        where = f"errno '{name}'"
        if not name.isidentifier() or not name.startswith("E") or not name.isupper():
            raise SpecError(path, where, "name must look like EFOO")
        if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
                or isinstance(value[0], bool) or not isinstance(value[1], str) or value[0] <= 0):
            raise SpecError(path, where, 'must be [positive number, "message"]')
        _check_text(path, where, "the message", value[1])
        if value[0] in seen:
            raise SpecError(path, where, f"duplicate number {value[0]} (already {seen[value[0]]})")
        seen[value[0]] = name
        out.append(Errno(name, value[0], value[1]))
    for needed in ("EFAULT", "EINVAL", "ENOSYS", "EASYNC"):
        if needed not in table:
            raise SpecError(path, "[errno]", f"{needed} is required by the kernel")
    return sorted(out, key=lambda e: e.number)


def _check_entry(path: Path, index: int, entry: dict) -> Syscall:
    where = f"syscall #{index + 1}"
    if isinstance(entry.get("name"), str):
        where = f"syscall '{entry['name']}'"
    for key in ("number", "name", "doc", "args"):
        if key not in entry:
            raise SpecError(path, where, f"missing field '{key}'")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise SpecError(path, where, f"unknown field(s) {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}")
    number, name = entry["number"], entry["name"]
    if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number < 1024:
        raise SpecError(path, where, f"number must be an integer in 0..1023, not {number!r}")
    if not isinstance(name, str) or not name.isidentifier():
        raise SpecError(path, where, f"name must be a C identifier, not {name!r}")
    if not isinstance(entry["doc"], str) or not entry["doc"].strip():
        raise SpecError(path, where, "doc must be a non-empty one-line string")
    _check_text(path, where, "doc", entry["doc"])
    ret = entry.get("ret", "int")
    if ret not in RETURN_TYPES:
        raise SpecError(path, where, f"unknown return type {ret!r}; allowed: {sorted(RETURN_TYPES)}")
    for flag in ("noreturn", "blocking", "batch"):
        if not isinstance(entry.get(flag, False), bool):
            raise SpecError(path, where, f"{flag} must be true or false")
    if entry.get("noreturn", False) and ret != "void":
        raise SpecError(path, where, 'a noreturn call must have ret = "void"')
    if entry.get("noreturn", False) and entry.get("batch", True):
        raise SpecError(path, where, "a noreturn call must have batch = false: it would end the "
                        "batch or ring it came in, whose caller still waits for an answer")
    if not isinstance(entry["args"], list):
        raise SpecError(path, where, "args must be a list of { name, type } tables")
    if len(entry["args"]) > 6:
        raise SpecError(path, where, "at most 6 arguments (libcr's tracing table holds 6)")
    args = [_check_arg(path, where, a) for a in entry["args"]]
    _check_sizes(path, where, args)
    stub = entry.get("stub", name)
    if not isinstance(stub, str) or not stub.isidentifier():
        raise SpecError(path, where, f"stub must be a C identifier, not {stub!r}")
    call = Syscall(number, name, entry["doc"].strip(), args, ret,
                   entry.get("noreturn", False), entry.get("blocking", False), stub,
                   batch=entry.get("batch", True))
    _lay_out(call)
    return call


def _check_arg(path: Path, where: str, arg) -> Arg:
    if not isinstance(arg, dict):
        raise SpecError(path, where, f"argument {arg!r} must be a table {{ name, type }}")
    for key in ("name", "type"):
        if key not in arg:
            raise SpecError(path, where, f"argument {arg} is missing field '{key}'")
    unknown = set(arg) - _ARG_KEYS
    if unknown:
        raise SpecError(path, where, f"argument '{arg['name']}' has unknown field(s) {sorted(unknown)}")
    name = arg["name"]
    if not isinstance(name, str) or not name.isidentifier():
        raise SpecError(path, where, f"argument name must be a C identifier, not {name!r}")
    if name in RESERVED_NAMES:
        raise SpecError(path, where, f"argument name '{name}' is reserved (a C keyword or used by the generated code)")
    ctype = TYPES.get(arg["type"])
    if ctype is None:
        raise SpecError(path, where, f"argument '{name}' has unknown type {arg['type']!r}; allowed: {sorted(TYPES)}")
    out = Arg(name, ctype, dir=arg.get("dir"), size=arg.get("size"), max=arg.get("max"))
    if out.max is not None:
        if ctype.name != "const char *" or out.dir != "in" or out.size is not None:
            raise SpecError(path, where, f"string argument '{name}' must be a 'const char *' with "
                            "dir = \"in\" and max (no size)")
        if isinstance(out.max, bool) or not isinstance(out.max, int) or not 2 <= out.max <= 4096:
            raise SpecError(path, where, f"max of string '{name}' must be a number in 2..4096")
    elif ctype.pointer:
        if out.dir not in DIRECTIONS:
            raise SpecError(path, where, f"pointer argument '{name}' needs dir = one of {list(DIRECTIONS)}")
        if out.size is None:
            raise SpecError(path, where, f"buffer argument '{name}' has no size (name an integer argument or give a number)")
    elif out.dir is not None or out.size is not None:
        raise SpecError(path, where, f"argument '{name}' is not a pointer: dir and size do not apply")
    return out


def _check_sizes(path: Path, where: str, args: list[Arg]) -> None:
    names = [a.name for a in args]
    if len(set(names)) != len(names):
        raise SpecError(path, where, f"duplicate argument names in {names}")
    by_name = {a.name: a for a in args}
    for a in args:
        if a.size is None:
            continue
        if isinstance(a.size, bool) or not isinstance(a.size, (int, str)):
            raise SpecError(path, where, f"size of '{a.name}' must be an argument name or a number")
        if isinstance(a.size, int):
            if a.size <= 0:
                raise SpecError(path, where, f"size of '{a.name}' must be positive")
            continue
        sized_by = by_name.get(a.size)
        if sized_by is None:
            raise SpecError(path, where, f"size of '{a.name}' names '{a.size}', which is not an argument")
        if sized_by.ctype.pointer:
            raise SpecError(path, where, f"size of '{a.name}' names pointer argument '{a.size}'")


def _lay_out(call: Syscall) -> None:
    """Give each argument its offset in the message, as the i386 C compiler will."""
    offset = HEADER_SIZE
    for a in call.args:
        offset = (offset + a.ctype.align - 1) // a.ctype.align * a.ctype.align
        a.offset = offset
        offset += a.ctype.size
    call.msgsize = (offset + 3) // 4 * 4
