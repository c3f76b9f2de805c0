"""Benchmarks: boot a deterministic image with `kbench=GLOB`, read the kernel's BENCH lines, and
report guest instructions per operation beside the targets and the Linux 6.1 figures of
../shared/BENCHMARKS.md.

The guest protocol: for each in-kernel benchmark whose name matches GLOB the kernel prints

    BENCH <name> iterations=<N> insns=<T> baseline=<B>

T is the TSC delta over N iterations of the operation, B that of the same loop doing nothing; in
deterministic mode (-icount) the TSC counts guest instructions, so insns_per_op = (T - B) / N is
the same on every run. `BENCH-ERROR <name> <reason>` reports a benchmark that could not run. Then
the kernel powers off as usual. Any other console line is ignored; a line that starts with the
word BENCH or BENCH-ERROR but does not follow the protocol is an error, never skipped.

A benchmark counted per CPU (docs/smp.md) ends its line with `cpu=C` or `cpu=max` and times its
window with kbench_start_percpu()/kbench_stop_percpu(): the TSC counts every CPU's instructions
together (and the time all of them were halted), so the run loads a QEMU plugin that counts
each CPU's (toolchain/profile/cpus.c), and the figure is (I - B) / N with I the instructions
CPU C, or the busiest CPU (the makespan), executed inside the window. Per-CPU lines and per-CPU
windows pair up in order.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from rich.text import Text

from .build import BUILD, ROOT, Outputs
from .guest import PANIC_ANY, symbolize_console
from .image import Image
from .machine import Machine, Outcome
from .errors import ToolchainError
from .profile import ProfileError
from .profile import windows as windows_mod

RESULTS = BUILD / "bench" / "results.json"
RECORD_KEYS = ("name", "insns_per_op", "iterations", "image", "revision")   # BENCHMARKS.md's order
# ... and, for a figure counted per CPU only, what it counts: "cpu0", or "max (cpu2)" (the busiest).
COUNTED = "counted"
PROTOCOL = "BENCH <name> iterations=<N> insns=<T> baseline=<B> [cpu=<C>|cpu=max]"

BENCH_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_BENCH = re.compile(rf"BENCH (?P<name>{BENCH_NAME}) iterations=(?P<n>\d+) insns=(?P<t>\d+) baseline=(?P<b>\d+)"
                    r"(?: cpu=(?P<cpu>\d|max))?")
CPU_MAX = "max"
# Scaling figures (docs/smp.md): NAME.kN is the makespan of one job on N CPUs, per block of it;
# N CPUs must finish within SCALING_TOLERANCE of N times sooner than one.
_SCALE = re.compile(r"(?P<group>.+\.scale)\.k(?P<k>\d+)")
SCALING_TOLERANCE = 0.10
_ERROR = re.compile(rf"BENCH-ERROR (?P<name>{BENCH_NAME}) (?P<reason>\S.*)")


class BenchError(ToolchainError):
    """A benchmark run gave no usable figures: the message says why and where the console log is."""


@dataclass(frozen=True)
class Reference:
    """What a Damselfly benchmark is measured against (BENCHMARKS.md)."""
    target: float | None            # Damselfly's target: at most this many instructions per op; None: none
    linux_row: str | None = None    # the closest operation in the Linux 6.1 table, word for word
    linux: float | None = None      # its figure, guest instructions per op
    label: str = ""                 # a short name for it, for the table

    @property
    def linux_text(self) -> str:
        return f"{self.label}: {_number(self.linux)}" if self.linux_row else ""


# One entry per benchmark of BENCHMARKS.md's Damselfly table, with its target and the closest
# Linux 6.1 figure (tests/unit/test_bench.py checks names, targets, rows and figures against it).
REFERENCES: dict[str, Reference] = {
    # A synchronous null message, round trip, vs the cheapest real Linux system call.
    "syscall.null.sync": Reference(80, "getpid via `int $0x80`", 334, "getpid via int $0x80"),
    "syscall.getpid.sync": Reference(85, "getpid via `int $0x80`", 334, "getpid via int $0x80"),
    # The same null call from a threaded program (3 user threads, 2 parked): Dillon's "LWKTs can
    # be made quite optimal in non-threaded environments", seen from the other side.
    "syscall.null.sync.threaded": Reference(92),
    # A null call answered by a user-level shim port: no trap at all.
    "syscall.null.shim": Reference(30, "hand-written user-level coroutine switch, one way", 19.6,
                                   "coroutine switch, one way"),
    # One async message sent and reaped per trap: io_uring with one NOP per io_uring_enter.
    "syscall.null.async.batch1": Reference(160, "io_uring NOP, 1 per `io_uring_enter`", 1_034,
                                           "io_uring NOP, 1 per enter"),
    "syscall.null.async.batch8": Reference(None),       # no Linux figure for batches of 8
    "syscall.null.async.batch32": Reference(40, "io_uring NOP, batch of 32, per NOP", 294,
                                            "io_uring NOP, batch of 32"),
    "syscall.null.async.batch128": Reference(35, "io_uring NOP, batch of 32, per NOP", 294,
                                             "io_uring NOP, batch of 32"),
    "syscall.null.ring": Reference(40, "io_uring NOP, batch of 32, per NOP", 294,
                                   "io_uring NOP, batch of 32"),
    "syscall.null.ring.kpoll": Reference(30),           # Linux io_uring SQPOLL was not measured
    "uthread.switch": Reference(22, "hand-written user-level coroutine switch, one way", 19.6,
                                "coroutine switch, one way"),
    # Two threads of one process handing a message back and forth: on Linux, through a futex.
    "uthread.port.pingpong": Reference(70, "two threads ping-pong through a futex, one way", 5_710,
                                       "futex ping-pong, one way"),
    "uthread.async.park_wake": Reference(1_200, "two processes ping-pong through pipes, one way", 7_975,
                                         "pipe ping-pong, one way"),
    "lwkt.switch": Reference(60, "two threads ping-pong with sched_yield, one way", 2_349,
                             "sched_yield ping-pong, one way"),
    "lwkt.port.pingpong": Reference(130, "two threads ping-pong through a futex, one way", 5_710,
                                    "futex ping-pong, one way"),
    "lwkt.ipiq.roundtrip": Reference(None),
    "lwkt.port.pingpong.cross_cpu": Reference(None, "two threads ping-pong through a futex, one way",
                                              5_710, "futex ping-pong, one way"),
    "proc.pipe.pingpong": Reference(1_000, "two processes ping-pong through pipes, one way", 7_975,
                                    "pipe ping-pong, one way"),
    "boot.first_result": Reference(5_000_000, "boot to /init", 6.86e9, "boot to /init"),
}


def _number(v: float | None) -> str:
    if v is None:
        return "—"
    if v >= 1e9:
        return f"{v / 1e9:g} billion"
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


@dataclass(frozen=True)
class BenchLine:
    """One BENCH line, as the guest printed it; for a per-CPU line (cpu: a CPU's number or
    "max"), with counted set from its window: the instructions that CPU (or the busiest, on_cpu)
    executed inside it."""
    name: str
    iterations: int
    insns: int
    baseline: int
    cpu: str | None = None
    counted: int | None = None
    on_cpu: int | None = None

    @property
    def insns_per_op(self) -> float:
        if self.cpu is not None and self.counted is None:
            raise BenchError(f"benchmark {self.name} is counted per CPU (cpu={self.cpu}) and its "
                             "window's counts are missing")
        insns = self.insns if self.cpu is None else self.counted
        return round((insns - self.baseline) / self.iterations, 1)

    @property
    def counted_on(self) -> str:
        """What the figure counts: "all" CPUs (the TSC), "cpu0", or "max" (the busiest: which)."""
        if self.cpu is None:
            return "all"
        return f"cpu{self.cpu}" if self.cpu != CPU_MAX else f"max (cpu{self.on_cpu})"


def parse_bench_lines(lines) -> tuple[list[BenchLine], list[str]]:
    """The BENCH lines among console lines, in order, and the problems: BENCH-ERROR reports,
    malformed BENCH lines, impossible figures, names reported twice. Other lines are ignored."""
    records: list[BenchLine] = []
    errors: list[str] = []
    seen: set[str] = set()
    for line in lines:
        line = line.rstrip()
        word = line.split(" ", 1)[0]
        if word == "BENCH-ERROR":
            m = _ERROR.fullmatch(line)
            if m:
                errors.append(f"benchmark {m['name']} could not run: {m['reason']}")
            else:
                errors.append(f"malformed BENCH-ERROR line {line!r}: expected 'BENCH-ERROR <name> <reason>'")
            continue
        if word != "BENCH":
            continue
        m = _BENCH.fullmatch(line)
        if not m:
            errors.append(f"malformed BENCH line {line!r}: expected '{PROTOCOL}'")
            continue
        rec = BenchLine(m["name"], int(m["n"]), int(m["t"]), int(m["b"]), m["cpu"])
        if rec.iterations < 1:
            errors.append(f"BENCH line {line!r}: iterations must be at least 1")
        elif rec.insns < rec.baseline:
            errors.append(f"BENCH line {line!r}: insns={rec.insns} is less than baseline={rec.baseline}")
        elif rec.name in seen:
            errors.append(f"BENCH line {line!r}: benchmark {rec.name} was already reported")
        else:
            seen.add(rec.name)
            records.append(rec)
    return records, errors


def glob_match(pattern: str, name: str) -> bool:
    """The kernel's glob (kernel/lib/ktest.c): * any run of characters, ? one, | between
    alternatives, the rest literal."""
    def one(alt: str) -> bool:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in alt)
        return re.fullmatch(regex, name, re.DOTALL) is not None
    return any(one(alt) for alt in pattern.split("|"))


def bench_cmdline(image: Image, filter: str | None = None) -> str:
    """The image's kernel command line, with the kbench= value replaced by filter when given."""
    words = image.words
    if not any(w.startswith("kbench=") for w in words):
        raise BenchError(f"image {image.name} runs no benchmarks: its kernel command line has no "
                         f"kbench=GLOB word ({image.path}); the benchmark image is 'bench'")
    if filter:
        if any(c.isspace() for c in filter):
            raise BenchError(f"benchmark filter {filter!r} must be one word (a glob such as 'lwkt.*')")
        words = [f"kbench={filter}" if w.startswith("kbench=") else w for w in words]
    return " ".join(words)


def revision(root: Path = ROOT) -> str:
    """The git revision of root (short hash), with -dirty when tracked files changed; 'unknown'
    outside a git checkout (or without git)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        rev = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("-dirty" if dirty else "") if rev else "unknown"


def apply_cpu_windows(records: list[BenchLine], windows) -> tuple[list[BenchLine], list[str]]:
    """records with each per-CPU line given the count of its window (toolchain/profile/windows.py's
    CpuWindow, in the guest's order: the n-th per-CPU line has the n-th window), and the problems:
    as many lines as windows, a CPU the machine has, counts that add up to the TSC's (which counts
    every CPU's instructions, and the time all were halted: exactly when no CPU halted) and the
    line's baseline."""
    percpu = [r for r in records if r.cpu is not None]
    if len(percpu) != len(windows):
        names = ", ".join(r.name for r in percpu) or "none"
        return records, [f"{len(percpu)} benchmark line(s) counted per CPU ({names}) but {len(windows)} "
                         "per-CPU window(s) (kbench_start_percpu/kbench_stop_percpu): each per-CPU "
                         "benchmark times exactly one"]
    errors, given = [], {}
    for r, w in zip(percpu, windows):
        cpu = w.busiest() if r.cpu == CPU_MAX else int(r.cpu)
        if cpu >= len(w.counts):
            errors.append(f"benchmark {r.name} asks for cpu={r.cpu}, but the machine has {len(w.counts)} CPU(s)")
        elif w.total > r.insns or (w.total != r.insns and not any(w.hlts)):
            errors.append(f"benchmark {r.name}: its window's CPUs counted {w.total} instructions, but the "
                          f"TSC insns={r.insns} (which counts them all, and only adds the time every CPU "
                          f"was halted, impossible with no hlt in the window): either the line and the "
                          "window do not belong together, or an instruction in the window faulted and "
                          "was restarted (the counter counts each attempt, -icount one)")
        elif w.counts[cpu] < r.baseline:
            errors.append(f"benchmark {r.name}: cpu{cpu} executed {w.counts[cpu]} instructions in its window, "
                          f"less than baseline={r.baseline}")
        else:
            given[id(r)] = BenchLine(r.name, r.iterations, r.insns, r.baseline, r.cpu, w.counts[cpu], cpu)
    return [given.get(id(r), r) for r in records], errors


@dataclass(frozen=True)
class Scaling:
    """One job measured on 1 and on k CPUs (NAME.k1, NAME.kK): how much sooner k finished."""
    group: str
    k: int
    speedup: float          # the k1 figure over the kK figure
    enforced: bool          # False: reported only (REPORT_ONLY_SCALING)

    @property
    def efficiency(self) -> float:
        return self.speedup / self.k

    @property
    def ok(self) -> bool:
        return abs(self.efficiency - 1) <= SCALING_TOLERANCE

    def __str__(self) -> str:
        verdict = ("within" if self.ok else "not within") + f" {SCALING_TOLERANCE:.0%} of {self.k}x"
        note = "" if self.enforced or self.ok else " (reported, not checked: see docs/smp.md)"
        return f"{self.group}: k={self.k} finishes {self.speedup:.2f}x sooner than k=1, {verdict}{note}"


# Scaling groups whose check reports and does not fail (none today: proc.scale was one until the
# kernel placed a process's vCPUs on several CPUs). A new group that cannot scale yet goes here.
REPORT_ONLY_SCALING: set[str] = set()


def scaling(records: list[dict]) -> list[Scaling]:
    """The speedups of every scaling group among the records (NAME.k1 and NAME.kK, K > 1), in the
    records' order."""
    figures = {r["name"]: r["insns_per_op"] for r in records}
    out = []
    for r in records:
        m = _SCALE.fullmatch(r["name"])
        if not m or int(m["k"]) < 2 or figures.get(f"{m['group']}.k1") is None or not r["insns_per_op"]:
            continue
        out.append(Scaling(m["group"], int(m["k"]), figures[f"{m['group']}.k1"] / r["insns_per_op"],
                           m["group"] not in REPORT_ONLY_SCALING))
    return out


def _tail(lines: list[str], n: int = 20) -> str:
    return "\n".join("  | " + line for line in lines[-n:]) or "  | (no console output)"


def _panic_text(lines: list[str], kernel: Path) -> str:
    if Path(kernel).is_file():
        reason, trace = symbolize_console(lines, kernel)
        if reason:
            return "\n".join([reason, *trace])
    for line in lines:
        m = PANIC_ANY.match(line)
        if m:
            return f"kernel panic: {m['what']}"
    return "kernel panic (pvpanic)"


def boot_bench(image: Image, outputs: Outputs, workdir: Path, filter: str | None = None,
               kernel: Path | None = None, extra_args: list[str] | None = None) -> list[BenchLine]:
    """Boot image once with its benchmarks (kbench= replaced by filter when given) and return
    its BENCH lines, in the guest's order. kernel: boot this kernel instead of outputs.kernel (a
    variant, such as the trace kernel); extra_args: more QEMU options (the profiler's plugin).
    BenchError when the figures would be missing or meaningless."""
    if not image.machine.deterministic:
        raise BenchError(f"image {image.name} is not deterministic ({image.path}: [qemu] deterministic "
                         "= false): instruction counts would change from run to run; set it to true")
    cmdline = bench_cmdline(image, filter)
    glob = next(w for w in cmdline.split() if w.startswith("kbench=")).split("=", 1)[1]
    cfg = image.machine_config(outputs, cmdline=cmdline, **({"kernel": kernel} if kernel else {}))
    cfg.extra_args += list(extra_args or [])
    # Per-CPU windows in the kernel or a program: count each CPU's instructions in them.
    try:
        counter = windows_mod.counter_args(kernel or outputs.kernel,
                                           [outputs.programs[p] for p in image.programs],
                                           Path(workdir), image.name)
    except ProfileError as e:
        raise BenchError(f"the per-CPU counter cannot run: {e}") from None
    if counter:
        cfg.extra_args += counter[0]
    machine = Machine(cfg, workdir, name=image.name)
    lines: list[str] = []
    with machine:
        verdict = machine.run_to_end(lines.append)
    log = f"console log: {machine.log_path}"
    if verdict.panicked or verdict.outcome == Outcome.PANIC:
        raise BenchError(f"the guest panicked: {_panic_text(lines, outputs.kernel)}\n{log}")
    if verdict.outcome == Outcome.TIMEOUT:
        raise BenchError(f"the guest did not finish: {verdict.reason} (the [qemu] timeout of "
                         f"{image.path.name}); last console lines:\n{_tail(lines)}\n{log}")
    records, errors = parse_bench_lines(lines)
    errors += [f"benchmark {r.name} ran but does not match kbench={glob}" for r in records
               if not glob_match(glob, r.name)]
    if counter and not errors and verdict.outcome == "pass":
        try:
            records, errors = apply_cpu_windows(records, windows_mod.read(counter[1]))
        except ProfileError as e:
            errors = [str(e)]
    elif not counter and any(r.cpu is not None for r in records):
        errors.append("benchmark lines counted per CPU (cpu=) but no per-CPU window "
                      "(kbench_start_percpu) in the kernel or the image's programs")
    if errors:
        raise BenchError("the guest's benchmark report has problems:\n"
                         + "\n".join(f"  {e}" for e in errors) + f"\n{log}")
    if verdict.outcome != "pass":
        why = ("the guest reported failures (a kernel test failed)" if verdict.outcome == "fail"
               else f"the guest did not end normally ({verdict.reason})")
        status = f"QEMU exit status {verdict.exit_code}" if verdict.exit_code is not None else "no exit status"
        raise BenchError(f"{why}, {status}: no figures are reported from it; last console lines:\n"
                         f"{_tail(lines)}\n{log}")
    if not records:
        raise BenchError(f"no BENCH line from the guest with kbench={glob}: either no benchmark name "
                         f"matches {glob!r}, or the kernel does not run benchmarks; last console lines:\n"
                         f"{_tail(lines)}\n{log}")
    return records


def run_bench(image: Image, outputs: Outputs, workdir: Path, filter: str | None = None,
              kernel: Path | None = None) -> list[dict]:
    """boot_bench(), as one record per benchmark, in the guest's order: {"name", "insns_per_op",
    "iterations", "image", "revision"}."""
    records = boot_bench(image, outputs, workdir, filter, kernel)
    rev = revision()
    return [dict(zip(RECORD_KEYS, (r.name, r.insns_per_op, r.iterations, image.name, rev)),
                 **({COUNTED: r.counted_on} if r.cpu is not None else {})) for r in records]


def to_json(records: list[dict]) -> str:
    """The records as an indented JSON list, keys in RECORD_KEYS order (then COUNTED, if any)."""
    return json.dumps([{k: r[k] for k in (*RECORD_KEYS, COUNTED) if k in r} for r in records],
                      indent=2, ensure_ascii=False) + "\n"


def read_results(path: Path = RESULTS) -> list[dict]:
    """The records of an earlier results file; [] when there is none or it is not a list of records."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict) and set(RECORD_KEYS) <= set(r)] if isinstance(data, list) else []


def merge_results(old: list[dict], new: list[dict], whole_image: str | None = None) -> list[dict]:
    """old with each benchmark measured in new replaced where it stood, and new ones appended:
    a filtered run updates its rows and keeps the others (each row keeps its own revision).
    whole_image: an unfiltered run of that image, whose old rows all go (a benchmark it no
    longer has must not linger), while other images' rows stay."""
    fresh = {r["name"]: r for r in new}
    if whole_image is not None:
        old = [r for r in old if r.get("image") != whole_image or r["name"] in fresh]
    merged = [fresh.pop(r["name"], r) for r in old]
    return merged + [r for r in new if r["name"] in fresh]


def write_results(records: list[dict], path: Path = RESULTS) -> Path:
    """Write the records as JSON (to build/bench/results.json by default); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(records))
    return path


def rows(records: list[dict]) -> list[tuple[str, str, str, str, str, str]]:
    """The table's rows as text: name, insns/op, iterations, target, met? (✓, ✗ or — without a
    target), Linux 6.1 reference."""
    out = []
    for r in records:
        ref = REFERENCES.get(r["name"], Reference(None))
        if ref.target is None:
            target, met = "—", "—"
        else:
            target, met = f"≤ {_number(ref.target)}", "✓" if r["insns_per_op"] <= ref.target else "✗"
        out.append((r["name"], f"{r['insns_per_op']:,.1f}", f"{r['iterations']:,}", target, met,
                    ref.linux_text))
    return out


def table(records: list[dict]) -> Table:
    """A rich table of the records beside their targets and the Linux 6.1 figures; with a column
    saying which CPU's instructions a figure counts when some are counted per CPU."""
    image = records[0]["image"] if records else "?"
    rev = records[0]["revision"] if records else "?"
    percpu = any(COUNTED in r for r in records)
    t = Table(title=f"benchmarks, guest instructions per operation (image {image}, revision {rev})")
    for col, justify in (("name", "left"), ("insns/op", "right"), ("iterations", "right"),
                         *((("counted on", "left"),) if percpu else ()),
                         ("target", "right"), ("met?", "center"), ("Linux 6.1 reference", "left")):
        last = col == "Linux 6.1 reference"      # the one column that wraps (folds) when space is short
        t.add_column(col, justify=justify, no_wrap=not last, overflow="fold" if last else "ellipsis")
    style = {"✓": "green", "✗": "bold red", "—": "dim"}
    for r, row in zip(records, rows(records)):
        *first, met, ref = row
        if percpu:
            first.insert(3, r.get(COUNTED, "all CPUs (TSC)"))
        t.add_row(*map(Text, first), Text(met, style=style[met]), Text(ref, style="dim"))
    return t
