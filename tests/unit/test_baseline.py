"""Unit tests for toolchain.baseline: the comparison's rules (a rise or a fall past the tolerance,
a benchmark without a line, a line without a benchmark), the file's schema errors with their line,
and that what render() writes loads back the same."""
from __future__ import annotations

import pytest

from toolchain import baseline
from toolchain.baseline import BaselineError, compare, load_baseline, render, write_baseline


def test_figures_within_the_tolerance_either_way_pass():
    """Does a figure 2% above or below its line, or equal to it, give no difference?"""
    assert compare({"a": 102.0, "b": 98.0, "c": 50.0}, {"a": 100.0, "b": 100.0, "c": 50.0}) == []


def test_a_rise_past_the_tolerance_is_a_regression_with_the_fix():
    """Does 77 -> 79 (+2.6%) fail, naming both figures, the rise and how to profile or update?"""
    (d,) = compare({"syscall.null.sync": 79.0}, {"syscall.null.sync": 77.0})
    assert d.name == "syscall.null.sync"
    text = str(d)
    assert "rose from 77 to 79 (+2.6%" in text
    assert "invoke profile syscall.null.sync" in text and baseline.UPDATE in text


def test_a_fall_past_the_tolerance_asks_to_lock_the_gain_in():
    """Does a figure well below its line fail too (a stale line would hide a later climb back)?"""
    (d,) = compare({"x": 60.0}, {"x": 77.0})
    assert "fell from 77 to 60" in str(d) and baseline.UPDATE in str(d)


def test_a_new_benchmark_and_a_gone_one_are_both_differences():
    """Does a figure with no line, and a line with no figure, each give a difference, in order?"""
    diffs = compare({"new.one": 5.0, "kept": 10.0}, {"kept": 10.0, "gone.one": 3.0})
    assert [d.name for d in diffs] == ["new.one", "gone.one"]
    assert "no baseline line" in str(diffs[0]) and "no such benchmark" in str(diffs[1])


def test_render_loads_back_the_same_figures(tmp_path):
    """Does a written baseline load back to the same figures, in the same order?"""
    figures = {"syscall.null.sync": 77.0, "proc.pipe.pingpong": 1369.5, "boot.first_result": 636999.0}
    path = write_baseline(tmp_path / "b.toml", "bench", figures)
    assert list(load_baseline(path).items()) == list(figures.items())
    assert render("bench", figures).startswith("# The committed figures of benchmark image bench")


@pytest.mark.parametrize("text, line, words", [
    ('[figures]\n"a.b" = "77"\n', 2, "a number"),
    ('[figures]\n"a b" = 7\n', 2, "not a benchmark name"),
    ('[figures]\n"a.b" = -1\n', 2, "at least 0"),
    ('figures = 3\n', 1, "a table of benchmark = figure"),
    ('[other]\n', 1, "unknown key 'other'; allowed: ['figures']"),
    ('# nothing\n', None, "missing key 'figures'"),
])
def test_a_bad_baseline_names_the_file_the_line_and_the_problem(tmp_path, text, line, words):
    """Does each schema problem raise BaselineError with the file, the line (when known) and words?"""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(BaselineError) as e:
        load_baseline(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}:{line}:" if line else f"{path}:"), msg
    assert words in msg


def test_a_missing_baseline_says_how_to_write_one(tmp_path):
    with pytest.raises(BaselineError) as e:
        load_baseline(tmp_path / "none.toml")
    assert baseline.UPDATE in str(e.value)


def test_the_committed_baseline_loads():
    """Is images/baselines/bench.toml well-formed (./go test compares against it)?"""
    assert load_baseline(baseline.path_for("bench"))
