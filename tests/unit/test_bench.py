"""Unit tests for toolchain.bench without booting: the BENCH line protocol, the per-op arithmetic,
run_bench's checks and errors (with a scripted stand-in for Machine), the JSON records, revision()
in a scratch git repository, the table, REFERENCES against ../shared/BENCHMARKS.md, and the
pytest plugin leaving kbench= images uncollected.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from toolchain import bench
from toolchain import build as build_mod
from toolchain.bench import BenchError, BenchLine, parse_bench_lines, run_bench
from toolchain.build import Outputs
from toolchain.image import Image
from toolchain.machine import MachineConfig, Outcome, Verdict

BENCHMARKS_MD = build_mod.ROOT.parent / "shared" / "BENCHMARKS.md"
PASS = Verdict("pass", 1, reason="guest reported success")


# -- the protocol -------------------------------------------------------------------------------
def test_good_lines_are_parsed_in_order_and_other_lines_ignored():
    """Do BENCH lines among KTAP and kernel chatter give one record each, in order, with their numbers?"""
    lines = ["Damselfly 0.1 (i386): 64 MiB, 16104 free pages",
             "cmdline: ktap ktest=lib.glob_match kbench=*",
             "ok 1 kernel",
             "BENCH lwkt.switch iterations=40000 insns=5820006 baseline=60007",
             "# BENCH in a KTAP comment is not a protocol line",
             "BENCHMARKS start here (not the word BENCH)",
             "BENCH lwkt.port.pingpong iterations=40000 insns=11400100 baseline=60007\r",
             "BENCH boot.first_result iterations=1 insns=425547 baseline=0",
             "Damselfly: all done, powering off (tsc 17948537)"]
    records, errors = parse_bench_lines(lines)
    assert errors == []
    assert records == [BenchLine("lwkt.switch", 40000, 5820006, 60007),
                       BenchLine("lwkt.port.pingpong", 40000, 11400100, 60007),
                       BenchLine("boot.first_result", 1, 425547, 0)]


@pytest.mark.parametrize("t, b, n, per_op", [
    (5820006, 60007, 40000, 144.0),          # 143.99997...: rounded to 1 decimal
    (11400100, 60007, 40000, 283.5),         # 283.5023...
    (1000, 100, 7, 128.6),                   # 128.571...
    (425547, 0, 1, 425547.0),                # boot.first_result: N=1, B=0
    (500, 500, 10, 0.0),
])
def test_insns_per_op_is_t_minus_b_over_n_with_one_decimal(t, b, n, per_op):
    """Is insns_per_op (T - B) / N rounded to one decimal, the baseline subtracted?"""
    (rec,), errors = parse_bench_lines([f"BENCH x.y iterations={n} insns={t} baseline={b}"])
    assert not errors
    assert rec.insns_per_op == per_op


@pytest.mark.parametrize("line", [
    "BENCH lwkt.switch iterations=10 insns=100",                          # baseline missing
    "BENCH lwkt.switch iterations=ten insns=100 baseline=0",              # not a number
    "BENCH lwkt.switch insns=100 iterations=10 baseline=0",               # fields out of order
    "BENCH lwkt.switch iterations=10 insns=100 baseline=0 extra=1",       # a field too many
    "BENCH lwkt.switch iterations=10 insns=-100 baseline=0",              # negative
    "BENCH  lwkt.switch iterations=10 insns=100 baseline=0",              # two spaces: no name
    "BENCH iterations=10 insns=100 baseline=0",                           # no name
    "BENCH lwkt switch iterations=10 insns=100 baseline=0",               # a name with a space
    "BENCH",
    "BENCH-ERROR lwkt.switch",                                            # no reason
    "BENCH-ERROR",
])
def test_malformed_lines_are_errors_naming_the_line(line):
    """Is a line that starts with BENCH but breaks the protocol an error quoting it, and no record?"""
    records, errors = parse_bench_lines(["ok 1 kernel", line, "Damselfly: all done"])
    assert records == []
    assert len(errors) == 1
    assert "malformed" in errors[0] and repr(line) in errors[0]


@pytest.mark.parametrize("line, why", [
    ("BENCH a.b iterations=0 insns=100 baseline=0", "iterations must be at least 1"),
    ("BENCH a.b iterations=10 insns=100 baseline=101", "insns=100 is less than baseline=101"),
])
def test_impossible_figures_are_errors(line, why):
    """Zero iterations (a division by zero) or T below the baseline: an error, not a figure."""
    records, errors = parse_bench_lines([line])
    assert records == [] and len(errors) == 1
    assert why in errors[0] and repr(line) in errors[0]


def test_a_name_reported_twice_is_an_error():
    records, errors = parse_bench_lines(["BENCH a.b iterations=1 insns=10 baseline=0",
                                         "BENCH a.b iterations=1 insns=20 baseline=0"])
    assert [r.insns for r in records] == [10]
    assert len(errors) == 1 and "a.b was already reported" in errors[0]


def test_bench_error_lines_are_errors_with_name_and_reason():
    """Does BENCH-ERROR give an error with the benchmark's name and reason, the other figures kept?"""
    records, errors = parse_bench_lines([
        "BENCH lwkt.switch iterations=10 insns=100 baseline=0",
        "BENCH-ERROR boot.first_result no test result before the benchmarks (put ktap ktest=... on it)"])
    assert [r.name for r in records] == ["lwkt.switch"]
    assert errors == ["benchmark boot.first_result could not run: no test result before the benchmarks "
                      "(put ktap ktest=... on it)"]


@pytest.mark.parametrize("pattern, name, match", [
    ("*", "lwkt.switch", True), ("lwkt.*", "lwkt.port.pingpong", True), ("lwkt.*", "boot.first_result", False),
    ("boot.first_result", "boot.first_result", True), ("boot.first", "boot.first_result", False),
    ("lwkt.?witch", "lwkt.switch", True), ("[l]wkt.*", "lwkt.switch", False),   # no classes, as in the kernel
    ("*.pingpong", "proc.pipe.pingpong", True),
    ("lwkt.*|syscall.null.ring.kpoll", "syscall.null.ring.kpoll", True),
    ("lwkt.*|syscall.null.ring.kpoll", "lwkt.switch", True),
    ("lwkt.*|syscall.null.ring.kpoll", "syscall.null.ring", False), ("a|b", "a|b", False),
])
def test_glob_match_is_the_kernels(pattern, name, match):
    assert bench.glob_match(pattern, name) is match


# -- run_bench, with a scripted machine ----------------------------------------------------------
class FakeMachine:
    """Stands in for toolchain.machine.Machine: plays console lines, then a verdict."""
    started: list["FakeMachine"] = []
    lines_out: list[str] = []
    verdict: Verdict = PASS
    times_out = False

    def __init__(self, config, workdir, name="guest", **kw):
        self.config, self.name = config, name
        self.log_path = Path(workdir) / f"{name}.console.log"
        FakeMachine.started.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def run_to_end(self, on_line):
        for line in self.lines_out:
            on_line(line)
        if self.times_out:
            return Verdict(Outcome.TIMEOUT, None, False,
                           f"timeout after {self.config.timeout:g} s: kernel hang in spin() (5 of 5 samples)")
        return self.verdict


def make_image(tmp_path, cmdline="ktap ktest=lib.glob_match kbench=*", deterministic=True) -> Image:
    return Image(name="benchy", path=tmp_path / "benchy.toml", description="", cmdline=cmdline,
                 programs=[], machine=MachineConfig(deterministic=deterministic, timeout=120))


@pytest.fixture
def guest(monkeypatch, tmp_path):
    """guest(lines, verdict=PASS, times_out=False): what the scripted machine will do."""
    monkeypatch.setattr(bench, "Machine", FakeMachine)
    monkeypatch.setattr(bench, "revision", lambda root=None: "abc1234")
    monkeypatch.setattr(bench.windows_mod, "counter_args", lambda *a: None)   # no per-CPU window
    FakeMachine.started = []

    def script(lines, verdict=PASS, times_out=False):
        FakeMachine.lines_out, FakeMachine.verdict, FakeMachine.times_out = list(lines), verdict, times_out
    script([])
    return script


@pytest.fixture
def outputs(tmp_path) -> Outputs:
    return Outputs(kernel=tmp_path / "no-kernel.elf")     # no ELF: panic reasons come from the console


LWKT = ["ok 1 kernel",
        "BENCH lwkt.switch iterations=40000 insns=5820006 baseline=60007",
        "BENCH lwkt.port.pingpong iterations=40000 insns=11400100 baseline=60007",
        "Damselfly: all done, powering off (tsc 17948537)"]


def test_run_bench_returns_records_in_benchmarks_md_format(guest, outputs, tmp_path):
    """Does a run give {"name", "insns_per_op", "iterations", "image", "revision"} per BENCH line,
    in order, from a deterministic machine whose command line has the image's kbench= glob?"""
    guest(LWKT)
    records = run_bench(make_image(tmp_path), outputs, tmp_path)
    assert records == [
        {"name": "lwkt.switch", "insns_per_op": 144.0, "iterations": 40000, "image": "benchy", "revision": "abc1234"},
        {"name": "lwkt.port.pingpong", "insns_per_op": 283.5, "iterations": 40000, "image": "benchy",
         "revision": "abc1234"},
    ]
    assert all(list(r) == list(bench.RECORD_KEYS) for r in records)
    (m,) = FakeMachine.started
    assert m.config.deterministic is True
    assert m.config.cmdline == "ktap ktest=lib.glob_match kbench=*"
    assert m.config.kernel == outputs.kernel


def test_filter_replaces_the_kbench_word(guest, outputs, tmp_path):
    """Does a filter replace the kbench= value, leaving the other words as they were?"""
    guest(LWKT)
    run_bench(make_image(tmp_path), outputs, tmp_path, filter="lwkt.*")
    assert FakeMachine.started[0].config.cmdline == "ktap ktest=lib.glob_match kbench=lwkt.*"


def test_benchmark_outside_the_filter_is_an_error(guest, outputs, tmp_path):
    """A kernel that ignored kbench=lwkt.* and ran boot.first_result: reported, not accepted."""
    guest(["BENCH lwkt.switch iterations=1 insns=10 baseline=0",
           "BENCH boot.first_result iterations=1 insns=425547 baseline=0"])
    with pytest.raises(BenchError, match=r"boot.first_result ran but does not match kbench=lwkt\.\*"):
        run_bench(make_image(tmp_path), outputs, tmp_path, filter="lwkt.*")


def test_non_deterministic_image_is_refused_before_booting(guest, outputs, tmp_path):
    with pytest.raises(BenchError, match="not deterministic") as e:
        run_bench(make_image(tmp_path, deterministic=False), outputs, tmp_path)
    assert "benchy.toml" in str(e.value)
    assert FakeMachine.started == []


def test_image_without_kbench_is_refused(guest, outputs, tmp_path):
    with pytest.raises(BenchError, match="no kbench=GLOB word"):
        run_bench(make_image(tmp_path, cmdline="ktap ktest=*"), outputs, tmp_path)
    assert FakeMachine.started == []


def test_filter_of_two_words_is_refused(guest, outputs, tmp_path):
    """A filter with a space would add a word to the kernel command line: refused."""
    with pytest.raises(BenchError, match="must be one word"):
        run_bench(make_image(tmp_path), outputs, tmp_path, filter="lwkt.* init=demo")
    assert FakeMachine.started == []


def test_bench_error_line_fails_the_run_with_reason_and_log(guest, outputs, tmp_path):
    guest(["BENCH lwkt.switch iterations=10 insns=100 baseline=0",
           "BENCH-ERROR boot.first_result no test result before the benchmarks"],
          Verdict("fail", 3, reason="guest reported failures"))
    with pytest.raises(BenchError) as e:
        run_bench(make_image(tmp_path), outputs, tmp_path)
    text = str(e.value)
    assert "benchmark boot.first_result could not run: no test result before the benchmarks" in text
    assert f"console log: {tmp_path / 'benchy.console.log'}" in text


def test_malformed_line_fails_the_run(guest, outputs, tmp_path):
    guest(["BENCH lwkt.switch iterations=10 insns=100"])
    with pytest.raises(BenchError, match=r"malformed BENCH line 'BENCH lwkt.switch iterations=10 insns=100'"):
        run_bench(make_image(tmp_path), outputs, tmp_path)


def test_panic_fails_the_run_with_reason_and_log(guest, outputs, tmp_path):
    guest(["BENCH lwkt.switch iterations=10 insns=100 baseline=0", "panic: lwkt_switch: bad thread"],
          Verdict("panic", None, True, "kernel panic (pvpanic)"))
    with pytest.raises(BenchError) as e:
        run_bench(make_image(tmp_path), outputs, tmp_path)
    text = str(e.value)
    assert "panicked" in text and "kernel panic: lwkt_switch: bad thread" in text
    assert f"console log: {tmp_path / 'benchy.console.log'}" in text


def test_timeout_fails_the_run_with_last_lines_and_log(guest, outputs, tmp_path):
    guest(["BENCH lwkt.switch iterations=10 insns=100 baseline=0", "still going"], times_out=True)
    with pytest.raises(BenchError) as e:
        run_bench(make_image(tmp_path), outputs, tmp_path)
    text = str(e.value)
    assert "did not finish: timeout after 120 s: kernel hang in spin()" in text and "  | still going" in text
    assert f"console log: {tmp_path / 'benchy.console.log'}" in text


def test_failing_guest_gives_no_figures(guest, outputs, tmp_path):
    """Exit status 3 (a kernel test failed): figures from that kernel are not reported."""
    guest(["not ok 1 kernel", "BENCH lwkt.switch iterations=10 insns=100 baseline=0"],
          Verdict("fail", 3, reason="guest reported failures"))
    with pytest.raises(BenchError, match="reported failures.*QEMU exit status 3"):
        run_bench(make_image(tmp_path), outputs, tmp_path)


def test_no_bench_line_is_a_clear_error(guest, outputs, tmp_path):
    guest(["ok 1 kernel", "Damselfly: all done, powering off (tsc 445021)"])
    with pytest.raises(BenchError) as e:
        run_bench(make_image(tmp_path), outputs, tmp_path, filter="no.such*")
    text = str(e.value)
    assert "no BENCH line from the guest with kbench=no.such*" in text
    assert "  | Damselfly: all done" in text and "console log:" in text


# -- results: JSON and the table ------------------------------------------------------------------
RECORDS = [
    {"name": "syscall.null.sync", "insns_per_op": 80.0, "iterations": 1000, "image": "bench", "revision": "abc"},
    {"name": "lwkt.port.pingpong", "insns_per_op": 300.1, "iterations": 40000, "image": "bench", "revision": "abc"},
    {"name": "lwkt.port.pingpong.cross_cpu", "insns_per_op": 144.0, "iterations": 40000, "image": "bench",
     "revision": "abc"},
    {"name": "new.benchmark", "insns_per_op": 7.5, "iterations": 10, "image": "bench", "revision": "abc"},
]


def test_results_json_is_an_indented_list_with_exact_keys_in_order(tmp_path):
    """Is results.json a JSON list of records with exactly BENCHMARKS.md's keys, in its order,
    whatever order the record dicts had?"""
    shuffled = [dict(reversed(list(r.items()))) for r in RECORDS]
    path = bench.write_results(shuffled, tmp_path / "bench" / "results.json")
    text = path.read_text()
    data = json.loads(text)
    assert data == RECORDS
    assert all(list(r) == ["name", "insns_per_op", "iterations", "image", "revision"] for r in data)
    assert text.startswith('[\n  {\n    "name": "syscall.null.sync",\n    "insns_per_op": 80.0,')
    assert text.endswith("]\n")
    assert bench.RESULTS == build_mod.ROOT / "build" / "bench" / "results.json"


def test_a_filtered_run_replaces_only_its_rows(tmp_path):
    """A run of some benchmarks (--filter) updates their rows of the results file in place, adds
    the new ones at the end and keeps every other row (with the revision it was measured at)."""
    path = bench.write_results(RECORDS, tmp_path / "results.json")
    fresh = [{"name": "lwkt.port.pingpong", "insns_per_op": 120.5, "iterations": 40000, "image": "bench",
              "revision": "def"},
             {"name": "lwkt.brand.new", "insns_per_op": 9.0, "iterations": 5, "image": "bench", "revision": "def"}]
    merged = bench.merge_results(bench.read_results(path), fresh)
    assert [r["name"] for r in merged] == [r["name"] for r in RECORDS] + ["lwkt.brand.new"]
    assert merged[1] == fresh[0] and merged[0] == RECORDS[0] and merged[0]["revision"] == "abc"
    assert bench.read_results(tmp_path / "none.json") == []
    (tmp_path / "bad.json").write_text("{not json")
    assert bench.read_results(tmp_path / "bad.json") == []


def test_a_whole_run_of_one_image_keeps_the_other_images_rows(tmp_path):
    """`invoke bench --image bench-smp2` must not wipe bench's figures from results.json (the
    benchmark checker reads them there); the image's own rows are all replaced, a benchmark it
    no longer has included."""
    old = [{"name": "syscall.null.sync", "insns_per_op": 77.0, "iterations": 10, "image": "bench", "revision": "a"},
           {"name": "lwkt.gone", "insns_per_op": 5.0, "iterations": 10, "image": "bench-smp2", "revision": "a"}]
    fresh = [{"name": "lwkt.ipiq.roundtrip", "insns_per_op": 742.0, "iterations": 2000, "image": "bench-smp2",
              "revision": "b"}]
    merged = bench.merge_results(old, fresh, "bench-smp2")
    assert [r["name"] for r in merged] == ["syscall.null.sync", "lwkt.ipiq.roundtrip"]


def test_table_rows_say_met_missed_or_no_target():
    """≤ target is met (✓, equality included), above is missed (✗), no target or an unknown
    name gives —; the Linux reference is label and figure."""
    rows = {r[0]: r for r in bench.rows(RECORDS)}
    assert rows["syscall.null.sync"] == ("syscall.null.sync", "80.0", "1,000", "≤ 80", "✓",
                                         "getpid via int $0x80: 334")
    assert rows["lwkt.port.pingpong"][3:5] == ("≤ 130", "✗")
    assert rows["lwkt.port.pingpong.cross_cpu"][3:] == ("—", "—", "futex ping-pong, one way: 5,710")
    assert rows["new.benchmark"][3:] == ("—", "—", "")


def test_rendered_table_has_a_row_per_record():
    out = io.StringIO()
    Console(file=out, width=160, color_system=None).print(bench.table(RECORDS))
    text = out.getvalue()
    for col in ("name", "insns/op", "iterations", "target", "met?", "Linux 6.1 reference"):
        assert col in text
    line = next(ln for ln in text.splitlines() if "lwkt.port.pingpong" in ln)
    assert re.search(r"300\.1 .*40,000 .*≤ 130 .*✗ .*futex ping-pong, one way: 5,710", line), line
    assert "boot to /init: 6.86 billion" == bench.REFERENCES["boot.first_result"].linux_text


# -- revision() ---------------------------------------------------------------------------------
def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


def test_revision_in_a_git_repository(tmp_path, monkeypatch):
    """Short hash when clean (untracked files do not count), -dirty after a tracked file changes,
    unknown outside git or before the first commit."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))   # never find a repository above
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var, raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    assert bench.revision(repo) == "unknown"                 # not a repository
    git(repo, "init", "-q")
    assert bench.revision(repo) == "unknown"                 # no commit yet
    (repo / "a.txt").write_text("one\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "one")
    short = git(repo, "rev-parse", "--short", "HEAD")
    assert bench.revision(repo) == short
    (repo / "untracked.txt").write_text("x\n")
    assert bench.revision(repo) == short
    (repo / "a.txt").write_text("two\n")
    assert bench.revision(repo) == short + "-dirty"


def test_revision_without_git_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))               # no git program at all
    assert bench.revision(build_mod.ROOT) == "unknown"


# -- REFERENCES against BENCHMARKS.md --------------------------------------------------------------
def _tables(text: str) -> list[list[list[str]]]:
    """The markdown tables of text: lists of rows, each a list of cells (header and rule dropped)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif current:
            tables.append([r for r in current[1:] if not set("".join(r)) <= set("-: ")])
            current = []
    return tables


def _figure(cell: str) -> float | None:
    if cell in ("—", "-", ""):
        return None
    m = re.search(r"[\d,]+(?:\.\d+)?", cell)
    value = float(m.group().replace(",", ""))
    return value * 1e9 if "billion" in cell else value


@pytest.fixture(scope="module")
def benchmarks_md():
    if not BENCHMARKS_MD.exists():
        pytest.skip(f"{BENCHMARKS_MD} is absent")
    linux, damselfly = None, None
    for t in _tables(BENCHMARKS_MD.read_text()):
        if t and len(t[0]) == 2:
            linux = {row[0]: _figure(row[1]) for row in t}
        elif t and len(t[0]) == 3:
            damselfly = {row[0].strip("`"): _figure(row[2].replace("≤", "")) for row in t}
    assert linux and damselfly, "BENCHMARKS.md no longer has its two tables"
    return linux, damselfly


def test_references_name_exactly_the_benchmarks_of_benchmarks_md(benchmarks_md):
    _, damselfly = benchmarks_md
    assert sorted(bench.REFERENCES) == sorted(damselfly)


def test_reference_targets_are_benchmarks_md_targets(benchmarks_md):
    _, damselfly = benchmarks_md
    assert {n: r.target for n, r in bench.REFERENCES.items()} == damselfly


def test_linux_references_are_rows_of_the_linux_table_with_their_figures(benchmarks_md):
    linux, _ = benchmarks_md
    for name, ref in bench.REFERENCES.items():
        if ref.linux_row is None:
            assert ref.linux is None and ref.linux_text == ""
            continue
        assert ref.linux_row in linux, f"{name}: {ref.linux_row!r} is not a row of the Linux 6.1 table"
        assert ref.linux == linux[ref.linux_row], name


# -- the pytest plugin ----------------------------------------------------------------------------
def test_pytest_does_not_collect_a_kbench_image():
    """images/bench.toml has ktap but also kbench=: no test item comes from it (and no build)."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "images/bench.toml"], cwd=build_mod.ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 5, proc.stdout + proc.stderr     # 5: no tests collected
    assert "no tests collected" in proc.stdout
