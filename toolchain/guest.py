"""Run an image's guest tests and say, for each expected case, how it ended.

The expected cases come from the ELF files (the .ktest sections of the kernel and of each test
program), so a case that never reported is still known by name and fails with the reason: a
kernel panic (symbolized), a killed program, or the end of output.
"""
from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .build import Outputs
from .elfcheck import list_ktests, symbolizer
from .image import Image
from .ktap import KtapParser, Result, Status
from .machine import Machine, Outcome, Verdict

PANIC_FAULT = re.compile(r"^panic: (?P<what>.+?) \(vector (?P<vector>\d+)\) at eip 0x(?P<eip>[0-9a-f]+)"
                         r"(?:, address 0x(?P<addr>[0-9a-f]+))?")
PANIC_ANY = re.compile(r"^panic: (?P<what>.+)$")
BACKTRACE = re.compile(r"^\s+#(?P<n>\d+) 0x(?P<addr>[0-9a-f]+)\s*$")


@dataclass(frozen=True)
class GuestCase:
    name: str           # "kernel.lib.glob_match", "test_libcr.printf.widths", or a program's name
    file: str = ""
    line: int = 0


def guest_glob(name: str, pattern: str) -> bool:
    """The guest's glob_match (kernel/lib/ktest.c): only '*' and '?' are special."""
    return fnmatch.fnmatchcase(name, pattern.replace("[", "[[]"))


def expected_cases(image: Image, outputs: Outputs) -> list[GuestCase]:
    """Every case the image will report, in order, named by its KTAP path joined with dots."""
    cases = []
    kglob = image.option("ktest")
    if kglob:
        cases += [GuestCase(f"kernel.{t.full_name}", t.file, t.line) for t in list_ktests(outputs.kernel)
                  if guest_glob(t.full_name, kglob)]
    uglob = image.option("utest")
    for prog in image.init:
        prog = prog.removeprefix("/bin/")
        if prog in outputs.test_programs:
            cases += [GuestCase(f"{prog}.{t.full_name}", t.file, t.line)
                      for t in list_ktests(outputs.programs[prog])
                      if uglob is None or guest_glob(t.full_name, uglob)]
        else:
            cases.append(GuestCase(prog))
    return cases


def symbolize_console(lines: list[str], kernel: Path) -> tuple[str | None, list[str]]:
    """The one-line panic reason and the symbolized backtrace, from the console; (None, []) if no panic."""
    sym = symbolizer(kernel)
    reason, trace = None, []
    for i, line in enumerate(lines):
        m = PANIC_FAULT.match(line)
        if m and reason is None:
            at = f" at {int(m['addr'], 16):#x}" if m["addr"] else ""
            reason = f"kernel panic: {m['what']}{at} {sym.where(int(m['eip'], 16))}"
            continue
        m = PANIC_ANY.match(line)
        if m and reason is None:
            reason = f"kernel panic: {m['what']}"
        b = BACKTRACE.match(line)
        if b and reason is not None:
            trace.append(f"  #{b['n']} {sym.describe(int(b['addr'], 16), return_address=b['n'] != '0')}")
    return reason, trace


@dataclass
class GuestRun:
    """The outcome of one boot of a test image."""
    image: Image
    results: dict[str, Result] = field(default_factory=dict)
    verdict: Verdict | None = None
    panic: str | None = None
    backtrace: list[str] = field(default_factory=list)
    end_reason: str = ""
    console_log: Path | None = None
    parser_errors: list[str] = field(default_factory=list)
    first_result_seconds: float | None = None

    def outcome(self, case: str) -> tuple[Status, str]:
        """(status, text) for a case."""
        r = self.results.get(case)
        if r is not None and r.status != Status.CRASHED:
            return r.status, "\n".join(r.diagnostics) if r.failed else r.reason
        why = self.panic or self.end_reason or "the guest stopped reporting"
        if r is None:   # the case never appeared: say what its program or the guest reported
            parts = case.split(".")
            for n in range(len(parts) - 1, 0, -1):
                parent = self.results.get(".".join(parts[:n]))
                if parent is not None and parent.failed and parent.diagnostics:
                    why = f"no result; {'.'.join(parts[:n])} reported:\n" + "\n".join(parent.diagnostics)
                    break
        text = why
        if self.panic and self.backtrace:
            text += "\n" + "\n".join(self.backtrace)
        elif self.verdict is not None and self.verdict.details:
            text += "\n" + self.verdict.details
        if r is not None and r.diagnostics:
            text += "\nguest output before the end:\n" + "\n".join(r.diagnostics[-20:])
        if self.console_log:
            text += f"\nconsole log: {self.console_log}"
        return Status.CRASHED, text


def run_image(image: Image, outputs: Outputs, workdir: Path, keep_on_panic: bool = False) -> GuestRun:
    """Boot a test image once, parse its KTAP as it streams, and collect every result."""
    run = GuestRun(image)
    parser = KtapParser()
    started = time.monotonic()
    machine = Machine(image.machine_config(outputs), workdir, keep_on_panic=keep_on_panic, name=image.name)
    run.console_log = machine.log_path

    def feed(line: str) -> None:
        for r in parser.feed(line):
            if run.first_result_seconds is None:
                run.first_result_seconds = time.monotonic() - started
            run.results[r.name] = r

    with machine:
        run.verdict = machine.run_to_end(feed)
        lines = machine.tail(10_000)
    run.panic, run.backtrace = symbolize_console(lines, outputs.kernel)
    if run.panic and run.verdict.outcome != Outcome.TIMEOUT:
        run.end_reason = run.panic
    elif run.verdict.outcome in (Outcome.PASS, Outcome.FAIL):
        run.end_reason = f"guest output ended ({run.verdict.reason})"
    else:
        run.end_reason = run.verdict.reason         # a fault, a hang, QEMU killed: it says where
    for r in parser.finish(run.end_reason):
        run.results.setdefault(r.name, r)
    run.parser_errors = parser.errors
    return run
