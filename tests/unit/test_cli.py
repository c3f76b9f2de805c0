"""The invoke tasks' own errors and output, run as a user runs them (no QEMU)."""
from __future__ import annotations

import re
import subprocess
import sys

from toolchain.build import ROOT


def invoke(*args: str) -> subprocess.CompletedProcess:
    """`invoke ARGS` with stdout and stderr piped (not a terminal), as a script would run it."""
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_list_tests_piped_gives_one_whole_line_per_case():
    """Piped, does list-tests print each case on one line of its own (never cut at 80 columns),
    as many as it counts?"""
    proc = invoke("list-tests")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    count = int(re.fullmatch(r"(\d+) case\(s\) in image test", lines[-1]).group(1))
    cases = [ln for ln in lines if re.fullmatch(r"\S+ {2}(\S+:\d+|\(program exit status\))", ln)]
    assert len(cases) == count > 100
    assert any(len(ln) > 80 for ln in cases)        # long ones too, whole
    assert not [ln for ln in lines[:-1] if ln not in cases and not ln.startswith("built in ")]


def test_inspect_of_a_missing_dump_is_a_clear_error(tmp_path):
    """No traceback: the error names the file and how to make a dump."""
    proc = invoke("inspect", "--dump", str(tmp_path / "nonexistent"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"error: cannot read the dump {tmp_path / 'nonexistent'} (No such file or directory)" in proc.stderr
    assert "invoke dump" in proc.stderr


def test_qmp_help_is_the_tasks_help():
    """`invoke qmp --help` shows the task's help; it is not sent to QEMU as a command."""
    proc = invoke("qmp", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage: inv[oke] [--core-opts] qmp" in proc.stdout and "--args" in proc.stdout
