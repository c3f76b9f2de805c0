"""One declarative check for every TOML file the toolchain reads: kernel/syscalls.toml,
kernel/arch/i386/traps.toml and images/*.toml.

A schema says, for each table, which keys it may have, their types, which are required, their
defaults and allowed values; `load(path, schema, error)` reads the file, checks it, fills in the
defaults and returns plain data. The first problem raises `error` (a SchemaError subclass such
as SpecError or ImageError) naming the file, the line and what to write instead:

    images/test.toml:14: [qemu]: timeout must be a number (seconds), not '60'

Checks that relate several keys (a string argument needs `max`, an init= program must be in
`programs`) stay in the module that owns the file; they fail through `Doc.fail`, which finds
the line the same way.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import ToolchainError

MISSING = object()


class SchemaError(ToolchainError):
    """A TOML file breaks its schema: the file, the line when known, the entry, and the problem
    (which says what is allowed)."""

    def __init__(self, path: Path | str, where: str, problem: str, line: int | None = None):
        self.path, self.where, self.problem, self.line = str(path), where, problem, line
        at = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{at}: {where}: {problem}")

    @property
    def entry(self) -> str:         # the name the spec's tests and messages have always used
        return self.where


# -- finding a key's line ------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def locate(text: str, keys: tuple) -> int | None:
    """The 1-based line of the value at keys (("qemu", "timeout"), ("syscall", 2, "args", 0)) in
    TOML text: table headers and `key =` lines are followed in order; an index into an inline
    array counts the array's `{` lines. None when the file does not spell it out."""
    lines = text.splitlines()
    pos, end, found = 0, len(lines), None
    i = 0
    while i < len(keys):
        key = keys[i]
        nxt = keys[i + 1] if i + 1 < len(keys) else None
        if isinstance(key, str):
            header = _find_header(lines, key, nxt if isinstance(nxt, int) else None)
            if header is not None and found is None:
                pos, found = header, header
                end = _next_header(lines, header + 1)
                i += 2 if isinstance(nxt, int) else 1
                continue
            line = _find_key(lines, key, pos, end)
            if line is None:
                return found + 1 if found is not None else None
            pos, found = line, line
        else:               # an index into an inline array: its key's line, then the n-th '{'
            line = _nth_inline_table(lines, pos, end, key)
            if line is None:
                return found + 1 if found is not None else None
            pos, found = line, line
        i += 1
    return found + 1 if found is not None else None


def _find_header(lines: list[str], name: str, index: int | None) -> int | None:
    seen = -1
    for n, line in enumerate(lines):
        m = _HEADER.match(line)
        if m and m.group(1) == name:
            seen += 1
            if index is None or seen == index:
                return n
    return None


def _next_header(lines: list[str], start: int) -> int:
    for n in range(start, len(lines)):
        if _HEADER.match(lines[n]):
            return n
    return len(lines)


def _find_key(lines: list[str], key: str, start: int, end: int) -> int | None:
    pattern = re.compile(rf"^\s*(\{{\s*)?[\"']?{re.escape(key)}[\"']?\s*=|[{{,]\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for n in range(start, end):
        if pattern.search(lines[n]):
            return n
    return None


def _nth_inline_table(lines: list[str], start: int, end: int, index: int) -> int | None:
    seen = -1
    for n in range(start, end):
        if "{" in lines[n]:
            seen += lines[n].count("{")
            if seen >= index:
                return n
    return None


# -- the schema ---------------------------------------------------------------------------------
@dataclass
class Ctx:
    """Where a check is: the TOML keys (for the line), the entry named in the error, and the
    names of the nested keys that prefix the problem."""
    doc: "Doc"
    keys: tuple = ()
    where: str = "file"
    names: tuple[str, ...] = ()

    def key(self, name: str) -> "Ctx":
        return Ctx(self.doc, self.keys + (name,), self.where, self.names + (name,))

    def item(self, index: int, label: str | None) -> "Ctx":
        label = label or f"{self.names[-1] if self.names else 'item'} #{index + 1}"
        if self.where == "file" or self.where.startswith("["):     # a top-level entry names the error
            return Ctx(self.doc, self.keys + (index,), label, ())
        return Ctx(self.doc, self.keys + (index,), self.where, self.names[:-1] + (label,))

    def table(self, name: str) -> "Ctx":
        if self.where == "file":
            return Ctx(self.doc, self.keys + (name,), f"[{name}]", ())
        return self.key(name)

    @property
    def subject(self) -> str:
        return ": ".join(self.names)

    def fail(self, problem: str, at: str | tuple | None = None) -> None:
        """Raise the file's error here, or at key `at` of this table (a tuple: a nested key)."""
        keys = self.keys + (at if isinstance(at, tuple) else (at,) if at else ())
        self.doc.fail(keys, self.where, problem)

    def bad(self, what: str, value: Any) -> None:
        """The value has the wrong type or form: say what it must be instead."""
        self.fail(f"{self.subject} must be {what}, not {value!r}" if self.subject else f"must be {what}, not {value!r}")


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Str:
    """A string; choices: the only values allowed; identifier: a C identifier; pattern: a regular
    expression it must match whole; forbid: text that must not occur (it would end the comment or
    string it is pasted into)."""
    choices: tuple[str, ...] | Callable[[], Any] | None = None
    identifier: bool = False
    nonempty: bool = False
    forbid: tuple[str, ...] = ()
    pattern: str | None = None
    what: str = "a string"

    def check(self, value, ctx: Ctx):
        if not isinstance(value, str):
            ctx.bad(self.what, value)
        if self.identifier and not value.isidentifier():
            ctx.bad(self.what if self.what != "a string" else "a C identifier", value)
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            ctx.bad(self.what, value)
        if self.nonempty and not value.strip():
            ctx.bad(self.what, value)
        choices = self.choices() if callable(self.choices) else self.choices
        if choices is not None and value not in choices:
            ctx.fail(f"{ctx.subject} {value!r} is unknown; choose one of {sorted(choices)}")
        for bad in self.forbid:
            if bad in value:
                ctx.fail(f"{ctx.subject} must not contain {bad!r}")
        return value


@dataclass(frozen=True)
class Int:
    min: int | None = None
    max: int | None = None
    what: str = ""

    def check(self, value, ctx: Ctx):
        span = f"an integer in {self.min}..{self.max}" if self.min is not None and self.max is not None \
            else f"an integer of at least {self.min}" if self.min is not None else "an integer"
        if not _integer(value) or (self.min is not None and value < self.min) \
                or (self.max is not None and value > self.max):
            ctx.bad(f"{span}{self.what}", value)
        return value


@dataclass(frozen=True)
class Number:
    """An integer or a float (TOML's 60 and 60.0 alike); returned as a float."""
    min: float | None = None
    what: str = ""

    def check(self, value, ctx: Ctx):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (self.min is not None and value < self.min):
            at_least = f" of at least {self.min:g}" if self.min is not None else ""
            ctx.bad(f"a number{at_least}{self.what}", value)
        return float(value)


@dataclass(frozen=True)
class Bool:
    def check(self, value, ctx: Ctx):
        if not isinstance(value, bool):
            ctx.bad("true or false", value)
        return value


@dataclass(frozen=True)
class OneOf:
    """The first of several schemas that accepts the value (an argument name or a number)."""
    options: tuple
    what: str

    def check(self, value, ctx: Ctx):
        for option in self.options:
            try:
                return option.check(value, ctx)
            except SchemaError:
                continue
        ctx.bad(self.what, value)


@dataclass(frozen=True)
class Tuple:
    """A TOML array of fixed length whose items follow `items` in order: [14, "Bad address"]."""
    items: tuple
    what: str

    def check(self, value, ctx: Ctx):
        if not isinstance(value, list) or len(value) != len(self.items):
            ctx.bad(self.what, value)
        try:
            return [s.check(v, ctx) for s, v in zip(self.items, value)]
        except SchemaError:
            ctx.bad(self.what, value)


@dataclass(frozen=True)
class List:
    """A TOML array whose items all follow `item`; label(index, raw item) names an item in errors."""
    item: Any
    max_items: int | None = None
    why_max: str = ""
    nonempty: bool = False
    label: Callable[[int, Any], str | None] | None = None
    what: str = "a list"

    def check(self, value, ctx: Ctx):
        if not isinstance(value, list):
            ctx.bad(self.what, value)
        if self.nonempty and not value:
            ctx.fail(f"{ctx.subject} must not be empty" if ctx.subject else "is empty")
        if self.max_items is not None and len(value) > self.max_items:
            ctx.fail(f"{ctx.subject} has {len(value)} items: at most {self.max_items}{self.why_max}")
        out = []
        for i, v in enumerate(value):
            label = self.label(i, v) if self.label else None
            sub = ctx.item(i, label) if isinstance(self.item, Table) else ctx
            out.append(self.item.check(v, sub))
        return out


@dataclass(frozen=True)
class Key:
    """A key of a table: its schema, and whether it must be there or else its default."""
    schema: Any
    required: bool = False
    default: Any = MISSING
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A TOML table with known keys (any other key is an error), or, with `values`, a table
    whose every key is a name the file chooses (`names` checks the key) and whose every value
    follows `values`. rules(data, ctx) run after the keys, for checks that relate them."""
    keys: dict[str, Key] = field(default_factory=dict)
    values: Any = None
    names: Callable[[str], str | None] | None = None
    rules: tuple[Callable[[dict, Ctx], None], ...] = ()
    what: str = "a table"

    def check(self, value, ctx: Ctx):
        if not isinstance(value, dict):
            ctx.bad(self.what, value)
        out = {}
        if self.values is not None:
            for name, v in value.items():
                sub = ctx.key(name)
                problem = self.names(name) if self.names else None
                if problem:
                    sub.fail(f"{name}: {problem}")
                out[name] = self.values.check(v, sub)
        else:
            unknown = [k for k in value if k not in self.keys]
            if unknown:
                prefix = f"{ctx.subject}: " if ctx.subject else ""
                ctx.fail(f"{prefix}unknown key {unknown[0]!r}; allowed: {sorted(self.keys)}", at=unknown[0])
            for name, key in self.keys.items():
                if name in value:
                    sub = ctx.table(name) if isinstance(key.schema, Table) else ctx.key(name)
                    out[name] = key.schema.check(value[name], sub)
                elif key.required:
                    prefix = f"{ctx.subject}: " if ctx.subject else ""
                    ctx.fail(f"{prefix}missing key {name!r}" + (f" ({key.doc})" if key.doc else ""))
                elif key.default is not MISSING:
                    out[name] = key.default() if callable(key.default) else key.default
        for rule in self.rules:
            rule(out, ctx)
        return out


@dataclass
class Doc:
    """A loaded file: its checked data, and fail() to report a problem found later at some keys."""
    path: Path
    text: str
    error: type
    data: dict = field(default_factory=dict)

    def fail(self, keys: tuple, where: str, problem: str) -> None:
        raise self.error(self.path, where, problem, locate(self.text, keys))

    def ctx(self) -> Ctx:
        return Ctx(self)


def load(path: Path | str, schema: Table, error: type = SchemaError) -> Doc:
    """Read a TOML file and check it against schema; raise error (a SchemaError subclass) for the
    first problem: a missing file, bad TOML syntax, or a key that breaks the schema."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise error(path, "file", "not found") from None
    doc = Doc(path, text, error)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise error(path, "file", f"not valid TOML: {e}", int(m.group(1)) if m else None) from None
    doc.data = schema.check(raw, doc.ctx())
    return doc
