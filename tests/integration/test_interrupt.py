"""Ctrl-C during a guest run stops QEMU and the run at once, says "interrupted", and leaves no QEMU.

A real run in a subprocess: the test image's kernel tests with `ktest.hang`, so the guest spins
in the kernel and, left alone, would only end at the image's timeout (60 s). Once its QEMU runs,
SIGINT goes to pytest (started with SIGINT ignored, as a background job of a non-interactive
shell is) or, as a terminal's Ctrl-C does, to the whole process group of `invoke test`.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from toolchain.build import ROOT

from processes import alive, qemu_with, wait_gone

pytestmark = pytest.mark.qemu

PROMPT = 15     # seconds: far below the image's 60-second timeout, which is what it used to take


def wait_for_console(log: Path, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.is_file() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{log} never showed {text!r}")


@pytest.mark.parametrize("how", ["pytest-sigint-ignored", "invoke-terminal-ctrl-c"])
def test_ctrl_c_stops_a_guest_run_at_once(tmp_path, how):
    """SIGINT in the middle of a hung guest's run: does the run end within seconds (not at the
    image's timeout), say "interrupted", and leave its QEMU dead?"""
    marker = f"interrupt.test.{uuid.uuid4().hex[:8]}"     # the kernel ignores words it does not know
    plugin = ["--case=kernel.debug.*", f"--guest-logs={tmp_path}",     # one word each: see PYTEST_ADDOPTS
              "--guest-cmdline=ktest=debug.*", "--guest-cmdline=ktest.hang", f"--guest-cmdline={marker}"]
    env = dict(os.environ)
    if how == "pytest-sigint-ignored":
        argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "images/test.toml", *plugin]
        setup = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)      # noqa: E731
    else:
        # images/test.toml's only (test-smp1 and test-smp4 hold the same cases): a node-id glob
        argv = [str(Path(sys.executable).with_name("invoke")), "test", "--filter",
                "images/test.toml::kernel.debug.*"]
        # pytest reads PYTEST_ADDOPTS before it loads the plugin: "--opt value" would make value a path
        env["PYTEST_ADDOPTS"] = " ".join(plugin[1:] + ["-p", "no:cacheprovider"])
        setup = lambda: (signal.signal(signal.SIGINT, signal.SIG_DFL), os.setpgid(0, 0))  # noqa: E731
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, preexec_fn=setup)
    qemu = None
    try:
        try:
            qemu = qemu_with(marker)
        except AssertionError as e:
            proc.kill()
            raise AssertionError(f"{e}; the run said:\n{proc.communicate()[0][-3000:]}") from None
        wait_for_console(tmp_path / "test" / "test.console.log", "fault_on_purpose")   # the guest runs
        if how == "pytest-sigint-ignored":
            proc.send_signal(signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=PROMPT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the run was still going {PROMPT} s after SIGINT")
        assert proc.returncode != 0
        assert "interrupted: stopped the guest test" in out, out[-3000:]
        assert wait_gone(qemu, 1), f"QEMU {qemu} outlived the interrupted run"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if qemu is not None and alive(qemu):
            os.kill(qemu, signal.SIGKILL)
