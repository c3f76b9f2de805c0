"""`invoke bench --plot` (toolchain/plot.py) on synthetic results: a PNG of the expected size, the
points where the records put them, and the Linux references of BENCHMARKS.md as lines."""
from __future__ import annotations

import struct

import pytest

from toolchain import plot
from toolchain.bench import REFERENCES

RECORDS = [{"name": n, "insns_per_op": v, "iterations": 100, "image": "bench", "revision": "abc1234"}
           for n, v in [("syscall.null.sync", 300.0), ("syscall.null.async.batch1", 600.0),
                        ("syscall.null.async.batch8", 500.0), ("syscall.null.async.batch32", 400.0),
                        ("syscall.null.ring", 350.0), ("lwkt.switch", 143.0)]]


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_of_the_set_size(tmp_path):
    path = plot.plot_batching(RECORDS, tmp_path / "sub" / "batching.png")
    assert path.is_file()
    assert png_size(path) == (plot.SIZE[0] * plot.DPI, int(plot.SIZE[1] * plot.DPI))


def test_points_labels_and_linux_lines():
    fig = plot.batching_figure(RECORDS)
    try:
        ax = fig.axes[0]
        assert ax.get_xlabel() == "messages per trap (batch size)"
        assert ax.get_ylabel() == "guest instructions per message"
        assert "revision abc1234" in ax.get_title()
        lines = {line.get_label(): line for line in ax.get_lines()}
        async_line = lines["async messages, N per trap (submit)"]
        assert list(async_line.get_xdata()) == [1, 8, 32]
        assert list(async_line.get_ydata()) == [600.0, 500.0, 400.0]
        assert list(lines["sync (domsg), 1 per trap"].get_ydata()) == [300.0]
        assert list(lines["shared ring, 32 per ring_enter"].get_xdata()) == [32]
        for name in plot.LINUX_LINES:
            ref = REFERENCES[name]
            (line,) = [l for label, l in lines.items() if label.startswith(f"Linux 6.1: {ref.label} (")]
            assert set(line.get_ydata()) == {ref.linux}
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(legend) == 3 + len(plot.LINUX_LINES)
    finally:
        plot.plt.close(fig)


def test_missing_benchmarks_is_a_clear_error(tmp_path):
    with pytest.raises(plot.PlotError, match="no benchmark to plot"):
        plot.plot_batching([r for r in RECORDS if r["name"] == "lwkt.switch"], tmp_path / "x.png")
