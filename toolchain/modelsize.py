"""The tables of docs/dillon-vs-kse.md: each threading model's code size and its figures.

`python -m toolchain.modelsize` prints two markdown tables. Code size: for each model the bytes of
machine code of the functions only it needs, in the kernel and in libcr, read with `nm -S` from
the built objects (an object file per source file, so a static function's name is never
ambiguous); what both models use (the call path, the upcall frame and entry, the scheduler) is
not counted. Figures: the model.dillon.* and model.kse.* benchmarks side by side, from the
committed baseline (images/baselines/bench.toml, which `invoke bench --update-baseline` writes).
`-v` also lists the functions counted; `--write` rewrites the figures table in the doc
(`invoke bench --update-baseline` does so too).
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL_OBJ = ROOT / "build/obj/kernel"
USER_OBJ = ROOT / "build/obj/user"
BASELINE = ROOT / "images/baselines/bench.toml"

# The workloads of userland/bench/bench_model.c, in its order, and what one operation is.
WORKLOADS = [
    ("null", "a call that never waits (threaded program)"),
    ("block_wake", "a read that blocks and is woken (two threads, two pipes)"),
    ("readers12", "one of 12 readers parked on 12 pipes woken by one writer, and its ack"),
    ("compute_io", "a chunk of computing (~1,000 instructions) and one I/O thread woken"),
    ("server100", "a request to one of 100 workers, its work and its reply"),
]

ALL = None   # every function of the file

# (side, model) -> [(source file, functions or ALL)]
PIECES: dict[tuple[str, str], list[tuple[str, list[str] | None]]] = {
    ("kernel", "Dillon"): [
        # an asynchronous call's own kernel message, its completion queue and its collection
        # (sysmsg_hold is inline in the handlers that file a call: not counted)
        ("kernel/kern/kern_sysmsg_collect.c",
         ["ksysmsg_alloc", "ksysmsg_free", "sysmsg_done_now", "find", "collect", "sys_waitmsg",
          "take_done", "async_in_flight", "others_idle", "sys_waitport", "sys_abortmsg"]),
    ],
    ("kernel", "KSE"): [
        ("kernel/kern/kern_kse.c", ALL),
    ],
    ("libcr", "Dillon"): [
        # sending a call asynchronously, parking its thread, collecting and delivering completions
        ("userland/libcr/sys/sysport.c",
         ["held", "kernel_abort", "kernel_putport", "cr_park", "cr_kernel_collect",
          "cr_kernel_collect_any"]),
        ("userland/libcr/lwkt/thread.c", ["poll_completions", "deliver"]),
    ],
    ("libcr", "KSE"): [
        ("userland/libcr/lwkt/kse.c", ALL),
    ],
}


def functions(obj: Path) -> dict[str, int]:
    """name -> size in bytes of each function (text symbol) defined in obj."""
    out = subprocess.run(["nm", "-S", "--defined-only", str(obj)], capture_output=True,
                         text=True, check=True).stdout
    sizes: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in ("T", "t"):
            sizes[parts[3]] = sizes.get(parts[3], 0) + int(parts[1], 16)
    return sizes


def measure(side: str, model: str) -> tuple[int, list[str]]:
    """(bytes, the functions counted) of one model's own code on one side."""
    base = KERNEL_OBJ if side == "kernel" else USER_OBJ
    total, names = 0, []
    for source, wanted in PIECES[(side, model)]:
        syms = functions(base / (source + ".o"))
        for name in (sorted(syms) if wanted is ALL else wanted):
            if name not in syms:
                raise SystemExit(f"modelsize: {name} is not a function of {source}: update PIECES")
            total += syms[name]
            names.append(name)
    return total, names


def table() -> str:
    rows = ["| model | kernel (bytes) | kernel functions | libcr (bytes) | libcr functions |",
            "|---|---:|---:|---:|---:|"]
    for model in ("Dillon", "KSE"):
        k, kn = measure("kernel", model)
        u, un = measure("libcr", model)
        rows.append(f"| {model} | {k:,} | {len(kn)} | {u:,} | {len(un)} |")
    return "\n".join(rows)


def _figures(path: Path) -> dict[str, float]:
    """name -> figure of every benchmark in the baseline file (its values are flat)."""
    def walk(d: dict, out: dict[str, float]) -> None:
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, out)
            elif isinstance(v, (int, float)):
                out[k] = float(v)
    out: dict[str, float] = {}
    walk(tomllib.loads(path.read_text()), out)
    return out


def bench_table(path: Path = BASELINE) -> str:
    figs = _figures(path)
    rows = ["| workload (one operation) | Dillon | KSE | KSE / Dillon |", "|---|---:|---:|---:|"]
    for name, what in WORKLOADS:
        d, k = figs.get(f"model.dillon.{name}"), figs.get(f"model.kse.{name}")
        if d is None or k is None:
            raise SystemExit(f"modelsize: {path} has no model.*.{name}: run invoke bench --update-baseline")
        rows.append(f"| `{name}`: {what} | {d:,.1f} | {k:,.1f} | {k / d:.2f} |")
    return "\n".join(rows)


DOC = ROOT / "docs/dillon-vs-kse.md"


def write_doc(doc: Path = DOC, baseline: Path = BASELINE) -> bool:
    """Rewrite the figures table between `<!-- modelsize: bench -->` and `<!-- /modelsize -->`
    in doc from baseline; `invoke bench --update-baseline` calls it, so the doc follows the
    baseline in the same commit. True when the file changed."""
    text = doc.read_text()
    mark = "<!-- modelsize: bench -->"
    start = text.index(mark) + len(mark)
    end = text.index("<!-- /modelsize -->", start)
    new = text[:start] + "\n" + bench_table(baseline) + "\n" + text[end:]
    if new != text:
        doc.write_text(new)
    return new != text


def main() -> int:
    print(table())
    print()
    print(bench_table())
    if "--write" in sys.argv and write_doc():
        print(f"{DOC.relative_to(ROOT)}: figures table rewritten")
    if "-v" in sys.argv:
        for (side, model) in PIECES:
            print(f"{side} {model}: {', '.join(measure(side, model)[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
