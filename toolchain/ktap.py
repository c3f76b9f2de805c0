"""Streaming parser for KTAP v1, the test output format the guest prints on its console.

The host feeds console lines one at a time while QEMU runs and gets back each test
result as soon as its line arrives, so a hung or panicking guest still yields every
result printed before it died. When the stream stops, ``finish()`` turns everything
that was announced but never reported (open subtests, planned-but-missing cases)
into "crashed" results, so no test silently disappears.

Nesting follows the KTAP rule of 4 spaces of indentation per level. The parser never
raises on bad input: protocol problems go to ``errors`` and parsing carries on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

INDENT = 4

_VERSION = re.compile(r"(K?TAP) version (\d+)")
_SUBTEST = re.compile(r"#\s*Subtest:\s*(.*)")
_PLAN = re.compile(r"1\.\.(\d+)(?:\s*#.*)?")
_RESULT = re.compile(r"(not ok|ok)\s+(\d+)(?:\s+(.*))?")
_DIRECTIVE = re.compile(r"(SKIP|TODO)\b\s*(.*)", re.IGNORECASE)
_SUPPORTED = {("KTAP", 1), ("TAP", 13), ("TAP", 14)}


class Status(StrEnum):
    """How one case ended; a StrEnum, so it compares equal to its value ("pass")."""
    PASS = "pass"           # ok
    FAIL = "fail"           # not ok
    SKIP = "skip"           # ok ... # SKIP why
    TODO = "todo"           # ... # TODO why
    CRASHED = "crashed"     # announced, but the stream ended before its result


@dataclass
class Result:
    path: tuple[str, ...]
    number: int
    status: Status
    reason: str = ""
    diagnostics: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def failed(self) -> bool:
        return self.status in (Status.FAIL, Status.CRASHED)


@dataclass
class _Level:
    """One open test level: the top level, or a subtest whose own result is still due."""

    name: str | None = None  # from "# Subtest:"; the parent's result line has the final say
    has_version: bool = False
    plan: int | None = None
    seen: set[int] = field(default_factory=set)
    count: int = 0
    last: int = 0  # number of the latest result, to check that numbering goes up by one
    # Diagnostics waiting for the next result, as (line number, text) so that merging a
    # finished subtest's leftovers into its parent keeps console order.
    pending: list[tuple[int, str]] = field(default_factory=list)
    next_name: str | None = None  # "# Subtest:" printed at this indentation for a child level
    overflow_reported: bool = False

    @property
    def started(self) -> bool:
        return self.plan is not None or self.count > 0

    def missing(self) -> list[int]:
        if self.plan is None:
            return []
        return [n for n in range(1, self.plan + 1) if n not in self.seen]


class KtapParser:
    def __init__(self) -> None:
        self._stack: list[_Level] = []  # _stack[d] is the open level at indentation depth d
        self._errors: list[str] = []
        self._lineno = 0
        self._finished = False
        self._complete_at_finish = False

    @property
    def errors(self) -> list[str]:
        return list(self._errors)

    @property
    def complete(self) -> bool:
        if self._finished:  # finish() fills gaps with crashed results; keep the real answer
            return self._complete_at_finish
        if len(self._stack) != 1:
            return False
        top = self._stack[0]
        return top.plan is not None and not top.missing()

    # -- input -------------------------------------------------------------------

    def feed(self, line: str) -> list[Result]:
        """Feed one console line; returns the results it completed, in order."""
        if self._finished:
            return []  # the verdict is already out; late output cannot change it
        out: list[Result] = []
        # A caller may hand us a chunk holding several lines; treat each on its own.
        for text in line.rstrip("\r\n").split("\n"):
            self._lineno += 1
            out.extend(self._line(text.rstrip()))
        return out

    def finish(self, reason: str) -> list[Result]:
        """The stream ended: report every announced-but-unreported test as crashed."""
        if self._finished:
            return []
        self._complete_at_finish = self.complete
        self._finished = True
        if not self._stack:
            self._error("stream ended without any KTAP output")
            return []
        out: list[Result] = []
        # Innermost first: a level's missing cases, then the subtest itself at its parent.
        while self._stack:
            level = self._stack[-1]
            missing = level.missing()
            if missing:
                self._error(f"stream ended with {level.count} of {level.plan} planned results"
                            f" in {self._where()}")
            for n in missing:
                out.append(self._record(len(self._stack) - 1, n, Status.CRASHED, f"#{n}", reason,
                                        check=False))
            self._stack.pop()
            if self._stack:
                parent_depth = len(self._stack) - 1
                parent = self._stack[-1]
                self._adopt(parent, level)
                n = parent.last + 1
                out.append(self._record(parent_depth, n, Status.CRASHED, level.name or f"#{n}",
                                        reason, check=False))
        return out

    # -- line dispatch --------------------------------------------------------------

    def _line(self, text: str) -> list[Result]:
        if not text:
            return []
        body = text.lstrip(" ")
        spaces = len(text) - len(body)
        version, subtest = _VERSION.fullmatch(body), _SUBTEST.fullmatch(body)
        plan, result = _PLAN.fullmatch(body), _RESULT.fullmatch(body)
        structural = version or subtest or plan or result

        if structural and spaces % INDENT:
            self._error(f"indentation of {spaces} spaces is not a multiple of {INDENT}")
            structural = None
        depth = spaces // INDENT
        if structural and not self._stack:
            # KTAP output started without its version line (lost, or never printed).
            self._stack.append(_Level())
            if not (version and depth == 0):
                self._error("missing 'KTAP version 1' line")
        if structural and depth > len(self._stack):
            self._error(f"indented {depth} levels but only {len(self._stack)} are open")
            structural = None
        if not structural:
            if body.startswith("#") and spaces % INDENT == 0 and depth < len(self._stack):
                self._stack[depth].pending.append((self._lineno, text[depth * INDENT:]))
            elif self._stack:  # unknown line: belongs to whatever test is running now
                inner = (len(self._stack) - 1) * INDENT
                self._stack[-1].pending.append((self._lineno, text[min(spaces, inner):]))
            return []  # output before KTAP starts is boot noise, not test diagnostics

        if version:
            self._version(depth, version)
        elif subtest:
            self._subtest(depth, subtest.group(1))
        elif plan:
            self._plan(depth, int(plan.group(1)))
        else:
            return [self._result(depth, result)]
        return []

    def _version(self, depth: int, m: re.Match) -> None:
        if (m.group(1), int(m.group(2))) not in _SUPPORTED:
            self._error(f"unsupported version line {m.group(0)!r}")
        if depth == len(self._stack):
            self._push(has_version=True)
            return
        level = self._stack[depth]
        if not level.has_version and not level.started and depth == len(self._stack) - 1:
            level.has_version = True  # "# Subtest:" came first (older KUnit order)
        elif depth == 0:
            self._error("unexpected second top-level version line ignored")
        else:
            # A sibling subtest starts while the previous one never printed its result.
            self._close_to(depth - 1)
            self._push(has_version=True)

    def _subtest(self, depth: int, name: str) -> None:
        inner = self._stack[-1]
        innermost = len(self._stack) - 1
        if depth == len(self._stack):
            self._push(name=name)  # TAP 14 style: the header opens the level
        elif depth in (innermost, innermost - 1) and not inner.started and inner.name is None:
            inner.name = name
        else:
            # Header printed at the parent's indentation: it names the next child level.
            self._stack[depth].next_name = name

    def _plan(self, depth: int, n: int) -> None:
        if depth == len(self._stack):
            self._push()
            self._error("subtest without version line")
        self._close_to(depth)
        level = self._stack[depth]
        if level.plan is not None:
            self._error(f"second plan 1..{n} ignored (already 1..{level.plan})")
        else:
            level.plan = n

    def _result(self, depth: int, m: re.Match) -> Result:
        if depth == len(self._stack):
            self._push()
            self._error("subtest without version line")
        number = int(m.group(2))
        desc, _, directive = (m.group(3) or "").partition("#")
        desc = desc.strip()
        if desc.startswith("- ") or desc == "-":
            desc = desc[1:].strip()
        status = Status.PASS if m.group(1) == "ok" else Status.FAIL
        reason = ""
        if directive := directive.strip():
            d = _DIRECTIVE.fullmatch(directive)
            if d:
                status, reason = Status(d.group(1).lower()), d.group(2)
            else:
                reason = directive  # e.g. TIMEOUT / XFAIL: keep the text, status stays
        if depth < len(self._stack) - 1:
            # This result closes the subtest one level down (and any deeper ones left open).
            self._close_to(depth + 1)
            child = self._stack.pop()
            self._check_plan(child)
            self._adopt(self._stack[depth], child)
            desc = desc or child.name or ""
        self._stack[depth].next_name = None
        return self._record(depth, number, status, desc or f"#{number}", reason)

    # -- helpers ----------------------------------------------------------------------

    def _push(self, has_version: bool = False, name: str | None = None) -> None:
        parent = self._stack[-1]
        self._stack.append(_Level(name=name or parent.next_name, has_version=has_version))
        parent.next_name = None

    def _close_to(self, depth: int) -> None:
        """Drop levels deeper than `depth` whose result line never came."""
        while len(self._stack) - 1 > depth:
            self._error(f"{self._where()} ended without a result line")
            child = self._stack.pop()
            self._adopt(self._stack[-1], child)

    @staticmethod
    def _adopt(parent: _Level, child: _Level) -> None:
        """Diagnostics no child result claimed belong to the parent's next result."""
        parent.pending = sorted(parent.pending + child.pending)

    def _check_plan(self, level: _Level) -> None:
        if level.plan is not None and level.count != level.plan:
            self._error(f"subtest {level.name or '?'!r} planned {level.plan} results,"
                        f" got {level.count}")

    def _record(self, depth: int, number: int, status: str, name: str, reason: str,
                check: bool = True) -> Result:
        level = self._stack[depth]
        if check:
            if number in level.seen:
                self._error(f"duplicate result number {number}")
            elif number != level.last + 1:
                self._error(f"expected result {level.last + 1}, got {number}")
        level.seen.add(number)
        level.last = number
        level.count += 1
        if level.plan is not None and level.count > level.plan and not level.overflow_reported:
            level.overflow_reported = True
            self._error(f"more results than planned (1..{level.plan})")
        path = self._path(depth) + (name,)
        result = Result(path, number, status, reason, [text for _, text in level.pending])
        level.pending = []
        return result

    def _path(self, depth: int) -> tuple[str, ...]:
        """Names of the open subtests enclosing results at `depth`."""
        return tuple(self._stack[d].name or f"#{self._stack[d - 1].last + 1}"
                     for d in range(1, depth + 1))

    def _where(self) -> str:
        path = self._path(len(self._stack) - 1)
        return f"subtest {'.'.join(path)!r}" if path else "top level"

    def _error(self, message: str) -> None:
        self._errors.append(f"line {self._lineno}: {message}")
