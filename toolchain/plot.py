"""Charts of benchmark results (`invoke bench --plot`), drawn with matplotlib's Agg backend (no
display needed): the cost of a null system-call message against how many messages share one
trap, beside the Linux 6.1 figures of ../shared/BENCHMARKS.md (bench.REFERENCES) as lines.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from .bench import REFERENCES  # noqa: E402
from .errors import ToolchainError  # noqa: E402

# Messages per trap of each benchmark, as userland/bench/bench_syscall.c runs them: the
# synchronous call and async batch1 one per trap, batch8 and batch32 through one submit each,
# the ring 32 per ring_enter.
ASYNC = {"syscall.null.async.batch1": 1, "syscall.null.async.batch8": 8, "syscall.null.async.batch32": 32}
OTHERS = {"syscall.null.sync": (1, "sync (domsg), 1 per trap", "s"),
          "syscall.null.ring": (32, "shared ring, 32 per ring_enter", "D")}
# The Linux figures drawn as horizontal lines: the references of these benchmarks.
LINUX_LINES = ["syscall.null.sync", "syscall.null.async.batch1", "syscall.null.async.batch32"]
SIZE = (9, 5.5)         # inches
DPI = 100               # so the PNG is 900 x 550 pixels


class PlotError(ToolchainError):
    """Nothing to draw: the message says which benchmarks were missing."""


def batching_figure(records: list[dict]):
    """The figure (matplotlib Figure) of the null-message benchmarks among records."""
    per_op = {r["name"]: r["insns_per_op"] for r in records}
    wanted = list(ASYNC) + list(OTHERS)
    if not any(name in per_op for name in wanted):
        raise PlotError(f"no benchmark to plot: the chart needs some of {', '.join(wanted)} "
                        "(run `invoke bench --plot` without a --filter, or with 'syscall.null.*')")
    fig, ax = plt.subplots(figsize=SIZE, dpi=DPI)
    xs = [n for name, n in ASYNC.items() if name in per_op]
    if xs:
        ys = [per_op[name] for name in ASYNC if name in per_op]
        ax.plot(xs, ys, "o-", color="tab:blue", label="async messages, N per trap (submit)")
        for x, y in zip(xs, ys):
            ax.annotate(f"{y:,.0f}", (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
    for name, (x, label, marker) in OTHERS.items():
        if name in per_op:
            ax.plot([x], [per_op[name]], marker, markersize=8, label=label)
            ax.annotate(f"{per_op[name]:,.0f}", (x, per_op[name]), textcoords="offset points",
                        xytext=(6, -12), fontsize=8)
    styles = iter(["--", ":", "-."])
    for name in LINUX_LINES:
        ref = REFERENCES[name]
        ax.axhline(ref.linux, color="grey", linestyle=next(styles), linewidth=1,
                   label=f"Linux 6.1: {ref.label} ({ref.linux:,.0f})")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 2, 4, 8, 16, 32])
    ax.set_xticklabels(["1", "2", "4", "8", "16", "32"])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("messages per trap (batch size)")
    ax.set_ylabel("guest instructions per message")
    image, rev = (records[0].get("image", "?"), records[0].get("revision", "?")) if records else ("?", "?")
    ax.set_title(f"Null system-call message: cost against batch size (image {image}, revision {rev})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def plot_batching(records: list[dict], path: Path) -> Path:
    """Draw batching_figure(records) as a PNG at path; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = batching_figure(records)
    try:
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
    return path
