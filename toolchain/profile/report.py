"""What `invoke profile` shows and writes: the table of a profile (per function, or per source
line), how its total relates to the BENCH figure, the comparison of two profiles, and the
flame graph as a speedscope file (https://www.speedscope.app, "Browse" to open it).
"""
from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table
from rich.text import Text

from .model import Profile

SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def module_label(module: str, program: str, several: bool) -> str:
    """kernel, a program's name, libcr, or libcr (PROGRAM) when several programs ran."""
    if module == "libcr" and several:
        return f"libcr ({program})"
    return "—" if module == "halted" else module


def _pct(count: int, whole: int) -> str:
    return f"{100 * count / whole:.1f}%" if whole else "—"


def _per_op(value: float) -> str:
    return "<0.1" if 0 < value < 0.05 else f"{value:,.1f}"


def summary(p: Profile) -> list[str]:
    """How the profile's total relates to the BENCH figure, in plain sentences."""
    n = p.iterations
    out = [f"{p.benchmark}: the timed window is {p.insns:,} instructions (BENCH insns=) over {n:,} "
           f"iterations, {p.insns / n:,.1f} per op."]
    if p.halted == 0 and p.since_reset:
        out.append(f"The profile counts exactly those {p.counted:,}: every instruction from reset "
                   "(the firmware's included) to the TSC reading, included, as the reading does.")
    elif p.halted == 0:
        out.append(f"The profile counts exactly those {p.counted:,}: from the instruction after the "
                   "start rdtsc to the stop rdtsc, included, as the TSC difference does.")
    elif p.halted > 0:
        out.append(f"The profile counts {p.counted:,} of them; the other {p.halted:,} "
                   f"({p.halted / n:,.1f}/op) passed with the CPU halted ({p.hlts} hlt): -icount "
                   "advances the TSC over idle time, and no instruction runs then: row (CPU halted).")
    else:
        out.append(f"The profile counts {p.counted:,}, more than the TSC difference: see the notes.")
    if p.baseline:
        out.append(f"BENCH figure (insns - baseline) / iterations = {p.figure:,.1f}: the empty loop's "
                   f"baseline, {p.baseline:,} ({p.baseline / n:,.1f}/op), is inside the rows above (the "
                   "benchmark's own loop).")
    if p.counted_on:
        out.append(f"{p.benchmark} is counted per CPU: its BENCH figure, {p.cpu_figure:,.1f}, counts the "
                   f"instructions of one CPU only ({p.counted_on}: docs/smp.md); the rows above are every CPU's, "
                   "as the TSC counts them.")
    return out + [f"note: {note}" for note in p.notes]


def function_table(p: Profile, top: int) -> Table:
    several = len(p.programs) > 1
    t = Table(title=f"{p.benchmark}: guest instructions per operation by function "
                    f"(image {p.image}, revision {p.revision})")
    for col, justify in (("function", "left"), ("module", "left"), ("self/op", "right"),
                         ("self %", "right"), ("total/op", "right"), ("total %", "right")):
        t.add_column(col, justify=justify, no_wrap=True)
    for r in p.functions[:top]:
        t.add_row(r.function, module_label(r.module, r.program, several), _per_op(p.per_op(r.self_count)),
                  _pct(r.self_count, p.insns), _per_op(p.per_op(r.total_count)), _pct(r.total_count, p.insns))
    _rest(t, 2, len(p.functions) - top, sum(r.self_count for r in p.functions[top:]), p)
    return t


def line_table(p: Profile, top: int) -> Table:
    several = len(p.programs) > 1
    t = Table(title=f"{p.benchmark}: guest instructions per operation by source line "
                    f"(image {p.image}, revision {p.revision})")
    for col, justify in (("file:line", "left"), ("function", "left"), ("module", "left"),
                         ("insns/op", "right"), ("%", "right")):
        t.add_column(col, justify=justify, no_wrap=True)
    rows = p.lines
    for r in rows[:top]:
        where = f"{r.file}:{r.line}" if r.file and r.line else (r.file or "?")
        t.add_row(where, r.function, module_label(r.module, r.program, several),
                  _per_op(p.per_op(r.count)), _pct(r.count, p.insns))
    _rest(t, 3, len(rows) - top, sum(r.count for r in rows[top:]), p)
    return t


def _rest(t: Table, lead: int, rows: int, count: int, p: Profile) -> None:
    """A dim last row for the rows not shown: how many, and their instructions (per op and %)
    in the two columns after the first lead ones."""
    if rows > 0:
        cells = [f"({rows} more row{'s' if rows > 1 else ''})"] + [""] * (lead - 1) + [_per_op(p.per_op(count)), _pct(count, p.insns)]
        cells += [""] * (len(t.columns) - len(cells))
        t.add_row(*(Text(c, style="dim") for c in cells))


def changes(p: Profile, other: Profile) -> list[tuple[tuple[str, str, str, str], float, float]]:
    """(function key, self per op in other, in p) for every function whose figure, rounded to
    a tenth, differs; the largest change first."""
    mine = {r.key: r.self_count / p.iterations for r in p.functions}
    theirs = {r.key: r.self_count / other.iterations for r in other.functions}
    out = [(key, theirs.get(key, 0.0), mine.get(key, 0.0)) for key in mine.keys() | theirs.keys()]
    out = [c for c in out if round(c[1], 1) != round(c[2], 1)]
    return sorted(out, key=lambda c: (-abs(c[2] - c[1]), c[0]))


def compare(p: Profile, other: Profile, top: int) -> tuple[Table | None, list[str]]:
    """A table of the functions whose per-op self count changed most between other (before)
    and p (after) (None when none changed), and the totals' change in sentences."""
    several = len(p.programs | other.programs) > 1
    rows = changes(p, other)
    t = None
    if rows:
        t = Table(title=f"{p.benchmark}: self instructions per operation, {other.revision} → {p.revision}")
        for col, justify in (("function", "left"), ("module", "left"), ("before/op", "right"),
                             ("after/op", "right"), ("change/op", "right")):
            t.add_column(col, justify=justify, no_wrap=True)
        for (module, program, function, _), a, b in rows[:top]:
            t.add_row(function, module_label(module, program, several), _per_op(a), _per_op(b),
                      Text(f"{b - a:+,.1f}", style="green" if b < a else "red"))
    before, after = other.insns / other.iterations, p.insns / p.iterations
    lines = [f"timed window per op: {before:,.1f} ({other.revision}) → {after:,.1f} ({p.revision}), "
             f"{after - before:+,.1f}",
             f"BENCH figure: {other.figure:,.1f} → {p.figure:,.1f}, {p.figure - other.figure:+,.1f}"]
    if other.benchmark != p.benchmark:
        lines.insert(0, f"warning: comparing {p.benchmark} with a profile of {other.benchmark}")
    return t, lines


def speedscope(p: Profile) -> dict:
    """The profile's call stacks as a speedscope file (one weighted sample per distinct stack,
    weights in instructions)."""
    several = len(p.programs) > 1
    frames = [{"name": f["function"],
               "file": f"{module_label(f['module'], f['program'], several)}: {f['file']}" if f["file"]
               else module_label(f["module"], f["program"], several)} for f in p.frames]
    return {
        "$schema": SPEEDSCOPE_SCHEMA,
        "name": f"{p.benchmark} ({p.revision})",
        "exporter": "damselfly invoke profile",
        "activeProfileIndex": 0,
        "shared": {"frames": frames},
        "profiles": [{
            "type": "sampled",
            "name": f"{p.benchmark}: guest instructions, {p.iterations:,} iterations",
            "unit": "none",
            "startValue": 0,
            "endValue": sum(n for _, n in p.stacks),
            "samples": [ids for ids, _ in p.stacks],
            "weights": [n for _, n in p.stacks],
        }],
    }


def write_speedscope(p: Profile, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(speedscope(p)) + "\n")
    return path
